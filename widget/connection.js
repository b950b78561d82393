/*
 * 大兴政务咨询助手 — website chat widget, part "connection": talking to the assistant's server.
 *
 * Loaded by widget.js (never embed it yourself); registers the part "connection":
 *   createConnection(options) -> connection, with options
 *     server, socketPath     Rasa's socketio channel (origin, path)
 *     assetBase              ".../widget/": socket.io.min.js, history and feedback live there
 *     conversation           the record (conversation.js) it reads and updates
 *     hotline                the hotline number (GET /widget/config), named when the
 *                            server cannot be reached
 *     hooks                  what the page shows, called by the connection:
 *       status(text)         the connection's state ("" when connected)
 *       answered()           a bot_uttered event arrived (the assistant is no longer typing)
 *       reply(message)       ... and it has something to show: {text, buttons, image, from},
 *                            from "staff" for a member of staff's reply (metadata `staff`)
 *       handedOff(on)        a person holds the conversation (a `handoff` message, the
 *                            history's `handed_off`) or handed it back (`handback`)
 *       history()            the server's history was taken into the record
 * No DOM here but the socket.io client's <script> tag.
 *
 * Rasa's socketio channel (events session_request / session_confirm, user_uttered /
 * bot_uttered, session_persistence): the socket joins the session the record holds (or
 * the one another tab started meanwhile); a question waits in the outbox until the session
 * is confirmed, and the server acknowledges it once handled and stored; unacknowledged
 * questions are sent again (the server handles each once). The server's tracker is the
 * record of the conversation: on every (re)connect, after each reply and while a question
 * is unanswered, GET /widget/history is read into the record (then `hooks.history()`).
 *
 * The connection object:
 *   connect()              load the socket.io client and connect (once); a Promise that
 *                          always resolves (a failure is reported through hooks.status)
 *   send(question)         send {turn, payload, text} (from conversation.ask) when connected
 *   follow(sessionId)      another tab changed the record's session: join it
 *   catchUp()              read the server's history soon (if connected)
 *   feedback(fields)       POST /widget/feedback {message_id, text, question, rating}; a
 *                          Promise of the server's JSON answer, rejected on any failure
 */
(function () {
  "use strict";

  var host = window.__daxingChatWidget;
  if (!host || typeof host.define !== "function") {
    if (window.console) console.error("大兴政务咨询助手: connection.js is loaded by widget.js; embed widget.js only");
    return;
  }

  var SYNC_AFTER_REPLY_MS = 700; // Rasa saves the tracker after the last reply of a turn
  var POLL_MS = 1500;
  var SESSION_PATTERN = /^[0-9a-f]{32}$/;

  host.define("connection", "2", createConnection);

  function createConnection(options) {
    var server = options.server;
    var socketPath = options.socketPath;
    var assetBase = options.assetBase;
    var conversation = options.conversation;
    var hotline = options.hotline;
    var hooks = options.hooks;
    var HISTORY_URL = assetBase + "history";

    var socket = null;
    var sessionId = null; // the session this tab's socket joined
    var requestedId = null;
    var confirmed = false;
    var outbox = []; // questions of this tab waiting for the connection

    var ioLoading = null;
    function loadSocketIo() {
      if (ioLoading) return ioLoading;
      ioLoading = new Promise(function (resolve, reject) {
        var previous = window.io;
        var tag = document.createElement("script");
        tag.src = assetBase + "socket.io.min.js";
        tag.async = true;
        tag.onload = function () {
          var io = window.io;
          // Leave the page's own `io` (if any) as it was.
          if (previous === undefined) {
            try { delete window.io; } catch (e) { window.io = undefined; }
          } else {
            window.io = previous;
          }
          io ? resolve(io) : reject(new Error("socket.io client did not load"));
        };
        tag.onerror = function () {
          ioLoading = null;
          reject(new Error("socket.io client did not load"));
        };
        document.head.appendChild(tag);
      });
      return ioLoading;
    }

    /* ---------- the server's history ---------- */

    var syncTimer = null;
    var syncing = false;
    var syncAgain = false;

    function syncSoon(delay) {
      clearTimeout(syncTimer);
      syncTimer = setTimeout(sync, delay);
    }

    /** Read the conversation from the server (GET /widget/history) and show it. */
    function sync() {
      var id = sessionId || conversation.stored().sessionId;
      if (!id || !SESSION_PATTERN.test(id)) return;
      if (syncing) {
        syncAgain = true;
        return;
      }
      syncing = true;
      fetch(HISTORY_URL + "?session_id=" + encodeURIComponent(id), { cache: "no-store" })
        .then(function (response) {
          if (response.status === 404) return { messages: [] }; // nothing stored yet
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(function (history) {
          if (conversation.stored().sessionId !== id) return; // the conversation changed meanwhile
          conversation.applyHistory(history && Array.isArray(history.messages) ? history.messages : []);
          hooks.handedOff(!!(history && history.handed_off === true));
          hooks.history();
        })
        .catch(function () {
          /* offline or server busy: keep showing the copy; the next sync catches up */
        })
        .then(function () {
          syncing = false;
          if (syncAgain) {
            syncAgain = false;
            syncSoon(0);
          } else if (conversation.waitingForAnswer()) {
            if (confirmed) {
              requeueUnacknowledged(false);
              flush();
            }
            syncSoon(POLL_MS);
          }
        });
    }

    /* ---------- sending and receiving ---------- */

    function requestSession(id) {
      confirmed = false;
      requestedId = id;
      socket.emit("session_request", { session_id: id });
    }

    function flush() {
      while (confirmed && socket && socket.connected && outbox.length) {
        var item = outbox.shift();
        var turn = item.turn;
        // The server acknowledges once it has handled and stored the turn (true), or ignored
        // it (false); a question sent again (`retry`) that it already has is not handled twice.
        var metadata = { turn: turn, shown: item.text, retry: item.retry };
        // Only a payload the widget generated itself is marked as the channel's own
        // (bot/channels/inbound.py: CHANNEL_PAYLOAD); what the input box sends never is.
        if (item.own) metadata.channel_payload = item.payload;
        socket.emit("user_uttered", {
          message: item.payload,
          session_id: sessionId,
          metadata: metadata
        }, function (handled) {
          if (handled) conversation.markAcked(turn);
          syncSoon(0);
        });
        conversation.markTried(turn);
      }
    }

    /** Queue the questions the server never acknowledged (conversation.unacknowledged). */
    function requeueUnacknowledged(reconnected) {
      conversation.unacknowledged(reconnected, function (turn) {
        return outbox.some(function (item) { return item.turn === turn; });
      }).forEach(function (item) { outbox.push(item); });
    }

    function onBotMessage(data) {
      if (!data || typeof data !== "object") return;
      hooks.answered();
      var text = typeof data.text === "string" ? data.text : "";
      var buttons = (data.quick_replies || data.buttons || [])
        .filter(function (b) { return b && typeof b.title === "string"; })
        .map(function (b) {
          return { title: b.title, payload: typeof b.payload === "string" ? b.payload : b.title };
        });
      var image = null;
      var attachment = data.attachment;
      if (attachment && attachment.type === "image" && attachment.payload &&
          /^https?:\/\//.test(String(attachment.payload.src))) {
        image = String(attachment.payload.src);
      }
      // A person takes the conversation over (the hand-off's ticket), or hands it back.
      if (data.handoff) hooks.handedOff(true);
      if (data.handback) hooks.handedOff(false);
      if (!text && !buttons.length && !image) return;
      var staff = !!(data.staff && typeof data.staff === "object"); // a member of staff wrote it
      hooks.reply({ text: text, buttons: buttons, image: image, from: staff ? "staff" : "bot" });
      syncSoon(SYNC_AFTER_REPLY_MS);
    }

    function onSessionConfirm(data) {
      var id = typeof data === "string" ? data : data && data.session_id;
      if (!id) return;
      var stored = conversation.stored().sessionId;
      // Another tab started the conversation meanwhile: join it rather than start a second one.
      if (stored && SESSION_PATTERN.test(stored) && stored !== id && stored !== requestedId) {
        requestSession(stored);
        return;
      }
      sessionId = id;
      if (stored !== id) conversation.update(function (s) { s.sessionId = id; });
      confirmed = true;
      requeueUnacknowledged(true);
      flush();
      syncSoon(0);
    }

    function connect() {
      if (socket) return Promise.resolve();
      hooks.status("正在连接…");
      return loadSocketIo().then(function (io) {
        if (socket) return;
        socket = io(server, { path: socketPath, transports: ["websocket", "polling"] });
        socket.on("connect", function () {
          hooks.status("");
          requestSession(conversation.stored().sessionId);
        });
        socket.on("session_confirm", onSessionConfirm);
        socket.on("bot_uttered", onBotMessage);
        socket.on("disconnect", function () {
          confirmed = false;
          hooks.status("连接已中断，正在重新连接…");
        });
        socket.on("connect_error", function () {
          hooks.status("暂时无法连接服务，正在重试…");
        });
      }).catch(function () {
        hooks.status("聊天服务暂时不可用，请稍后再试，或拨打 " + hotline + " 市民服务热线。");
      });
    }

    function send(question) {
      outbox.push({ turn: question.turn, payload: question.payload, text: question.text,
        own: question.own === true, retry: false });
      connect().then(flush);
    }

    function follow(id) {
      if (!id || !SESSION_PATTERN.test(id)) return;
      if (!socket) connect();
      else if (socket.connected && id !== sessionId && id !== requestedId) requestSession(id);
    }

    function catchUp() {
      if (socket) syncSoon(0);
    }

    function feedback(fields) {
      return fetch(assetBase + "feedback", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          sender_id: sessionId || conversation.stored().sessionId || "anonymous",
          message_id: fields.message_id,
          text: fields.text,
          question: fields.question,
          rating: fields.rating
        })
      }).then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      });
    }

    return { connect: connect, send: send, follow: follow, catchUp: catchUp, feedback: feedback };
  }
})();
