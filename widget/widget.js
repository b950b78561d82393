/*
 * 大兴政务咨询助手 — website chat widget.
 *
 * Embed with one tag (the server serves this file, its CSS and the socket.io client):
 *   <script src="http://HOST:5005/widget/widget.js" data-title="大兴政务咨询助手" defer></script>
 *
 * Optional attributes: data-server (Rasa server origin; default: where this file came from),
 * data-socket-path (default /socket.io), data-questions (hot questions separated by "|").
 *
 * Talks to Rasa's socketio channel (events user_uttered / bot_uttered, session_persistence):
 * the session_id and the rendered history live in localStorage, so a conversation survives
 * page reloads. Every message text is put into the page with textContent, never as HTML.
 */
(function () {
  "use strict";

  if (window.__daxingChatWidget) return;
  window.__daxingChatWidget = true;

  var script =
    document.currentScript ||
    document.querySelector('script[src*="/widget/widget.js"]');
  if (!script) return;

  var scriptUrl = new URL(script.getAttribute("src"), document.baseURI);
  var assetBase = new URL("./", scriptUrl).href; // ".../widget/"
  var server = script.getAttribute("data-server") || scriptUrl.origin;
  var socketPath = script.getAttribute("data-socket-path") || "/socket.io";
  var title = script.getAttribute("data-title") || "大兴政务咨询助手";
  var hotQuestions = (script.getAttribute("data-questions") ||
    "医保政策宣讲讲什么？|政务开放日有哪些开放点？|最近有什么活动？|怎么报名参加活动？|我要找人工客服")
    .split("|")
    .map(function (q) { return q.trim(); })
    .filter(Boolean);

  var STORAGE_KEY = "daxing-chat-widget:" + server;
  var MAX_ENTRIES = 200;
  var REPLY_TIMEOUT_MS = 30000;
  var URL_PATTERN = /https?:\/\/[^\s<>"'，。；：、（）【】《》“”‘’！？]+/g;

  /* ---------- state kept across reloads ---------- */

  function emptyState() {
    return { version: 1, sessionId: null, open: false, entries: [], ratings: {}, seq: 0 };
  }

  function loadState() {
    try {
      var stored = JSON.parse(window.localStorage.getItem(STORAGE_KEY) || "null");
      if (stored && stored.version === 1 && Array.isArray(stored.entries)) {
        stored.ratings = stored.ratings || {};
        stored.seq = stored.seq || 0;
        return stored;
      }
    } catch (error) {
      /* storage unavailable or corrupt: start afresh */
    }
    return emptyState();
  }

  var state = loadState();

  function saveState() {
    if (state.entries.length > MAX_ENTRIES) {
      state.entries = state.entries.slice(state.entries.length - MAX_ENTRIES);
    }
    try {
      window.localStorage.setItem(STORAGE_KEY, JSON.stringify(state));
    } catch (error) {
      /* private mode or full storage: the conversation just won't survive a reload */
    }
  }

  function newTurnId() {
    state.seq += 1;
    return "t" + Date.now().toString(36) + "-" + state.seq;
  }

  /* ---------- DOM helpers (text only through textContent) ---------- */

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function trimUrl(url) {
    // Leave sentence punctuation that follows a link outside it.
    var m = /[.,;:!?)\]}]+$/.exec(url);
    return m ? url.slice(0, url.length - m[0].length) : url;
  }

  /** Text with line breaks kept and http(s) URLs as links; nothing is parsed as HTML. */
  function renderText(container, text) {
    String(text).split("\n").forEach(function (line, index) {
      if (index > 0) container.appendChild(document.createElement("br"));
      var last = 0;
      line.replace(URL_PATTERN, function (match, offset) {
        var url = trimUrl(match);
        if (offset > last) container.appendChild(document.createTextNode(line.slice(last, offset)));
        var link = el("a", "dxw-link", url);
        link.href = url;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        container.appendChild(link);
        last = offset + url.length;
        return match;
      });
      if (last < line.length) container.appendChild(document.createTextNode(line.slice(last)));
    });
  }

  function icon(pathData) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", pathData);
    svg.appendChild(path);
    return svg;
  }

  /* ---------- the widget's markup ---------- */

  var stylesheet = document.createElement("link");
  stylesheet.rel = "stylesheet";
  stylesheet.href = assetBase + "widget.css";
  document.head.appendChild(stylesheet);

  var root = el("div", "dxw-root");
  root.setAttribute("lang", "zh-CN");

  var launcher = el("button", "dxw-launcher");
  launcher.type = "button";
  launcher.setAttribute("aria-controls", "dxw-panel");
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-label", "打开" + title);
  launcher.appendChild(icon("M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0-.01zm5 0a1.5 1.5 0 1 0 0-.01zm5 0a1.5 1.5 0 1 0 0-.01z"));
  launcher.appendChild(el("span", "dxw-launcher-text", "政务咨询"));

  var panel = el("section", "dxw-panel");
  panel.id = "dxw-panel";
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-modal", "false");
  panel.setAttribute("aria-labelledby", "dxw-title");

  var header = el("header", "dxw-header");
  var heading = el("div", "dxw-heading");
  var titleNode = el("h2", "dxw-title", title);
  titleNode.id = "dxw-title";
  heading.appendChild(titleNode);
  heading.appendChild(el("p", "dxw-subtitle", "依据区政务公开工作方案答复 · 人工服务请拨打 12345"));
  var closeButton = el("button", "dxw-close");
  closeButton.type = "button";
  closeButton.setAttribute("aria-label", "关闭对话窗口");
  closeButton.appendChild(icon("M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z"));
  header.appendChild(heading);
  header.appendChild(closeButton);

  var status = el("div", "dxw-status");
  status.setAttribute("role", "status");
  status.hidden = true;

  var log = el("div", "dxw-log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-label", "对话记录");
  log.tabIndex = 0;

  var typing = el("div", "dxw-typing");
  typing.hidden = true;
  typing.setAttribute("role", "status");
  var dots = el("span", "dxw-dots");
  dots.setAttribute("aria-hidden", "true");
  dots.appendChild(el("span"));
  dots.appendChild(el("span"));
  dots.appendChild(el("span"));
  typing.appendChild(dots);
  typing.appendChild(el("span", "dxw-typing-text", "助手正在输入…"));

  var form = el("form", "dxw-form");
  form.setAttribute("aria-label", "发送消息");
  var input = el("textarea", "dxw-input");
  input.id = "dxw-input";
  input.rows = 1;
  input.maxLength = 500;
  input.placeholder = "请输入您的问题，按回车发送";
  input.setAttribute("aria-label", "输入您的问题，按回车发送，Shift加回车换行");
  var sendButton = el("button", "dxw-send");
  sendButton.type = "submit";
  sendButton.setAttribute("aria-label", "发送");
  sendButton.appendChild(icon("M3 20.5 21 12 3 3.5 3 10l12 2-12 2z"));
  form.appendChild(input);
  form.appendChild(sendButton);

  var note = el("p", "dxw-note", "答复依据大兴区公开发布的工作方案，仅供参考，以正式文件为准。");

  panel.appendChild(header);
  panel.appendChild(status);
  panel.appendChild(log);
  panel.appendChild(typing);
  panel.appendChild(form);
  panel.appendChild(note);
  root.appendChild(panel);
  root.appendChild(launcher);

  /* ---------- rendering entries ---------- */

  var turnGroups = {}; // turn id -> {group, feedback}
  var currentTurn = null; // the turn bot messages now belong to
  var turnQuestions = {}; // turn id -> the user's text

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function choiceButtons(buttons) {
    var box = el("div", "dxw-choices");
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "可选的问题和回复");
    buttons.forEach(function (b) {
      var button = el("button", "dxw-choice", b.title);
      button.type = "button";
      button.addEventListener("click", function () {
        sendMessage(b.payload || b.title, b.title);
      });
      box.appendChild(button);
    });
    return box;
  }

  function setRatingView(feedback, rating, message) {
    var buttons = feedback.querySelectorAll(".dxw-rate");
    Array.prototype.forEach.call(buttons, function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-rating") === rating));
    });
    feedback.querySelector(".dxw-feedback-status").textContent = message || "";
  }

  function feedbackBar(turnId) {
    var bar = el("div", "dxw-feedback");
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", "评价这条答复");
    bar.appendChild(el("span", "dxw-feedback-label", "这条答复对您有帮助吗？"));
    [["satisfied", "满意"], ["unsatisfied", "不满意"]].forEach(function (pair) {
      var button = el("button", "dxw-rate", pair[1]);
      button.type = "button";
      button.setAttribute("data-rating", pair[0]);
      button.setAttribute("aria-pressed", "false");
      button.setAttribute("aria-label", "评价：" + pair[1]);
      button.addEventListener("click", function () {
        rate(turnId, pair[0], bar);
      });
      bar.appendChild(button);
    });
    var feedbackStatus = el("span", "dxw-feedback-status");
    feedbackStatus.setAttribute("aria-live", "polite");
    bar.appendChild(feedbackStatus);
    if (state.ratings[turnId]) setRatingView(bar, state.ratings[turnId], "感谢您的评价！");
    return bar;
  }

  function botGroup(turnId, withFeedback) {
    if (turnGroups[turnId]) return turnGroups[turnId];
    var group = el("div", "dxw-turn");
    var feedback = withFeedback ? feedbackBar(turnId) : null;
    if (feedback) group.appendChild(feedback);
    log.appendChild(group);
    turnGroups[turnId] = { group: group, feedback: feedback };
    return turnGroups[turnId];
  }

  function botBubble(text, buttons, image) {
    var message = el("div", "dxw-msg dxw-bot");
    var speaker = el("span", "dxw-visually-hidden", "助手：");
    var bubble = el("div", "dxw-bubble");
    bubble.appendChild(speaker);
    if (text) renderText(bubble, text);
    if (image) {
      var img = el("img", "dxw-image");
      img.src = image;
      img.alt = "助手发送的图片";
      bubble.appendChild(img);
    }
    message.appendChild(bubble);
    if (buttons && buttons.length) message.appendChild(choiceButtons(buttons));
    return message;
  }

  function renderEntry(entry) {
    if (entry.type === "user") {
      var message = el("div", "dxw-msg dxw-user");
      var bubble = el("div", "dxw-bubble");
      bubble.appendChild(el("span", "dxw-visually-hidden", "我："));
      renderText(bubble, entry.text);
      message.appendChild(bubble);
      log.appendChild(message);
      turnQuestions[entry.turn] = entry.text;
    } else if (entry.type === "welcome") {
      var welcome = botBubble(
        "您好！我是" + title + "，可以解答医保、就业社保政策宣讲，“政务开放日”“政策公开讲”活动和报名等政务公开方面的问题，答复都会注明出处。\n您可以直接输入问题，或点击下面的热点问题：",
        hotQuestions.map(function (q) { return { title: q, payload: q }; })
      );
      welcome.classList.add("dxw-welcome");
      var label = el("p", "dxw-hot-label", "热点问题");
      var choices = welcome.querySelector(".dxw-choices");
      if (choices) welcome.insertBefore(label, choices);
      log.appendChild(welcome);
    } else if (entry.type === "bot") {
      var turn = botGroup(entry.turn, true);
      turn.group.insertBefore(botBubble(entry.text, entry.buttons, entry.image), turn.feedback);
    } else if (entry.type === "notice") {
      log.appendChild(el("p", "dxw-notice", entry.text));
    }
  }

  /** Scroll so a long answer is read from its start (with the question above it). */
  function revealTurn(turnId) {
    var turn = turnGroups[turnId];
    if (!turn) return scrollToEnd();
    var first = turn.group;
    var previous = first.previousElementSibling;
    if (previous && previous.classList.contains("dxw-user")) first = previous;
    log.scrollTop = Math.min(log.scrollHeight - log.clientHeight, first.offsetTop - 8);
  }

  function addEntry(entry) {
    state.entries.push(entry);
    saveState();
    renderEntry(entry);
    if (entry.type === "bot") revealTurn(entry.turn);
    else scrollToEnd();
  }

  /* ---------- talking to Rasa's socketio channel ---------- */

  var socket = null;
  var confirmed = false;
  var outbox = [];
  var replyTimer = null;

  function showStatus(text) {
    status.textContent = text || "";
    status.hidden = !text;
  }

  function setTyping(on) {
    typing.hidden = !on;
    clearTimeout(replyTimer);
    if (on) {
      replyTimer = setTimeout(function () {
        typing.hidden = true;
        addEntry({ type: "notice", text: "暂时没有收到答复，请稍后再试，或拨打 12345 市民服务热线。" });
      }, REPLY_TIMEOUT_MS);
    }
    if (on) scrollToEnd();
  }

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

  function flush() {
    while (confirmed && outbox.length) {
      socket.emit("user_uttered", { message: outbox.shift(), session_id: state.sessionId });
    }
  }

  function onBotMessage(data) {
    if (!data || typeof data !== "object") return;
    setTyping(false);
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
    if (!text && !buttons.length && !image) return;
    if (!currentTurn) currentTurn = newTurnId();
    addEntry({ type: "bot", turn: currentTurn, text: text, buttons: buttons, image: image });
    if (panel.hidden) launcher.classList.add("dxw-unread");
  }

  function connect() {
    if (socket) return Promise.resolve();
    showStatus("正在连接…");
    return loadSocketIo().then(function (io) {
      if (socket) return;
      socket = io(server, { path: socketPath, transports: ["websocket", "polling"] });
      socket.on("connect", function () {
        showStatus("");
        socket.emit("session_request", { session_id: state.sessionId });
      });
      socket.on("session_confirm", function (data) {
        var id = typeof data === "string" ? data : data && data.session_id;
        if (id) {
          state.sessionId = id;
          saveState();
        }
        confirmed = true;
        flush();
      });
      socket.on("bot_uttered", onBotMessage);
      socket.on("disconnect", function () {
        confirmed = false;
        showStatus("连接已中断，正在重新连接…");
      });
      socket.on("connect_error", function () {
        showStatus("暂时无法连接服务，正在重试…");
      });
    }).catch(function () {
      showStatus("聊天服务暂时不可用，请稍后再试，或拨打 12345 市民服务热线。");
    });
  }

  /** Send `payload` to the assistant and show `shown` (a button's title) as the user's message. */
  function sendMessage(payload, shown) {
    payload = String(payload || "").trim();
    if (!payload) return;
    currentTurn = newTurnId();
    addEntry({ type: "user", turn: currentTurn, text: shown || payload });
    setTyping(true);
    outbox.push(payload);
    connect().then(flush);
  }

  function rate(turnId, rating, bar) {
    var texts = state.entries
      .filter(function (e) { return e.type === "bot" && e.turn === turnId; })
      .map(function (e) { return e.text; });
    setRatingView(bar, rating, "正在提交…");
    fetch(assetBase + "feedback", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        sender_id: state.sessionId || "anonymous",
        message_id: turnId,
        text: texts.join("\n").slice(0, 4000),
        question: (turnQuestions[turnId] || "").slice(0, 4000),
        rating: rating
      })
    }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    }).then(function (result) {
      state.ratings[turnId] = rating;
      saveState();
      setRatingView(bar, rating, "感谢您的评价！");
      // Repeated 不满意: the assistant hands the conversation to a person.
      if (result && result.handoff) sendMessage("/negative_feedback", "转人工服务");
    }).catch(function () {
      setRatingView(bar, state.ratings[turnId] || "", "评价提交失败，请稍后再试。");
    });
  }

  /* ---------- opening, closing, keyboard ---------- */

  /** `restoring`: reopened after a reload, so leave the page's focus where it is. */
  function openPanel(restoring) {
    panel.hidden = false;
    root.classList.add("dxw-open");
    launcher.setAttribute("aria-expanded", "true");
    launcher.setAttribute("aria-label", "收起" + title);
    launcher.classList.remove("dxw-unread");
    if (!state.entries.length) addEntry({ type: "welcome" });
    state.open = true;
    saveState();
    connect();
    scrollToEnd();
    if (!restoring) input.focus();
  }

  function closePanel() {
    panel.hidden = true;
    root.classList.remove("dxw-open");
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-label", "打开" + title);
    state.open = false;
    saveState();
    launcher.focus();
  }

  launcher.addEventListener("click", function () {
    if (panel.hidden) openPanel(false);
    else closePanel();
  });
  closeButton.addEventListener("click", closePanel);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      event.preventDefault();
      closePanel();
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    input.value = "";
    sendMessage(text);
    input.focus();
  });
  input.addEventListener("keydown", function (event) {
    // Enter sends; Shift+Enter is a new line; Enter that confirms an IME candidate is not a send.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      if (typeof form.requestSubmit === "function") form.requestSubmit();
      else form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });

  /* ---------- start ---------- */

  function start() {
    document.body.appendChild(root);
    state.entries.forEach(renderEntry);
    var last = state.entries[state.entries.length - 1];
    if (last && last.turn) currentTurn = last.turn;
    // A visitor with a conversation rejoins it at once, so replies keep arriving.
    if (state.open) openPanel(true);
    else if (state.sessionId) connect();
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
