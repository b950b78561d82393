/*
 * 大兴政务咨询助手 — website chat widget, part "conversation": the conversation record.
 *
 * Loaded by widget.js (never embed it yourself); registers the part "conversation":
 *   createConversation(server) -> conversation, where `server` is the Rasa server's origin.
 * No DOM and no network here: what the conversation holds and where it is kept.
 *
 * localStorage (key "daxing-chat-widget:" + server, shared by all tabs of the site) keeps
 * the session_id, a copy of the server's history, questions the server has not confirmed
 * yet and the ratings; every change reads, changes and writes it in one go, so no tab
 * overwrites another's. sessionStorage (this tab only) keeps whether the panel is open and
 * the replies this tab received live that the server's history does not hold yet. Storage
 * that fails (private mode, full) leaves the conversation in memory: never an error.
 *
 * The conversation object:
 *   storageKey            the localStorage key (a `storage` event of this key: another tab)
 *   current()             the shared state as last read: {sessionId, entries, ratings}
 *   stored()              the shared state as stored now (another tab may have changed it)
 *   reload()              current() := stored(); returns it
 *   update(change)        change(state) on the stored state, then store it
 *   tab()                 this tab's state: {tab (its id), open, live}
 *   setOpen(open)         remember whether this tab's panel is open
 *   view()                the entries to show, in order (see view below)
 *   pruneLive()           forget live replies the shared copy now holds
 *   lastTurn()            the turn id of the newest question ("u0" if none)
 *   addLive(entry)        add an entry only this tab shows (a reply, a notice)
 *   addReply(message)     a reply just received ({text, buttons, image}) to the newest question
 *   ask(payload, shown)   record a question; returns {turn, payload, text} to send
 *   markTried(turn), markAcked(turn)   the question of `turn` was sent / acknowledged
 *   unacknowledged(reconnected, queued) the questions to send again (see below)
 *   waitingForAnswer()    whether a recent question is still unanswered
 *   applyHistory(messages) take the server's history (GET /widget/history) as the record
 *   rating(turn), setRating(turn, rating)
 */
(function () {
  "use strict";

  var host = window.__daxingChatWidget;
  if (!host || typeof host.define !== "function") {
    if (window.console) console.error("大兴政务咨询助手: conversation.js is loaded by widget.js; embed widget.js only");
    return;
  }

  var MAX_ENTRIES = 200;
  var MAX_LIVE = 50;
  var PENDING_WINDOW_MS = 90000; // how long an unanswered question makes the widget poll
  var RESEND_AFTER_MS = 10000; // a question not acknowledged by then is sent again
  var MAX_QUESTION = 500;

  host.define("conversation", "1", createConversation);

  function createConversation(server) {
    var STORAGE_KEY = "daxing-chat-widget:" + server; // shared by the site's tabs
    var TAB_KEY = STORAGE_KEY + ":tab"; // this tab only (sessionStorage)

    /*
     * Shared entries: {type: "user" | "bot" | "notice", turn, text, buttons, image, from}.
     * Entries the server's history does not hold (yet) carry `local: true`; a question typed
     * here also carries the `tab` that typed it, its `payload`, when it was typed (`at`) and
     * last sent (`tried`) and whether the server acknowledged handling it (`acked`).
     */
    function emptyState() {
      return { version: 2, sessionId: null, entries: [], ratings: {}, seq: 0 };
    }

    function validEntry(entry) {
      return entry && typeof entry === "object" && typeof entry.type === "string" &&
        (entry.type === "user" || entry.type === "bot" || entry.type === "notice") &&
        typeof entry.turn === "string" && typeof entry.text === "string";
    }

    var storageWorks = true;
    var shared = emptyState();
    var legacyOpen = false;

    /** The shared state as stored now (another tab may have changed it). */
    function readShared() {
      if (!storageWorks) return shared;
      var raw;
      try {
        raw = window.localStorage.getItem(STORAGE_KEY);
      } catch (error) {
        storageWorks = false; // storage unavailable: keep the conversation in memory
        return shared;
      }
      try {
        var stored = JSON.parse(raw || "null");
        if (stored && (stored.version === 1 || stored.version === 2) && Array.isArray(stored.entries)) {
          var result = {
            version: 2,
            sessionId: typeof stored.sessionId === "string" ? stored.sessionId : null,
            entries: stored.entries.filter(validEntry),
            ratings: stored.ratings && typeof stored.ratings === "object" ? stored.ratings : {},
            seq: stored.seq || 0
          };
          if (stored.version === 1) {
            // Turns of the old widget have no id the server knows: replaced by its history.
            result.entries.forEach(function (entry) { entry.legacy = true; });
            legacyOpen = !!stored.open;
          }
          return result;
        }
      } catch (error) {
        /* corrupt: start afresh */
      }
      return emptyState();
    }

    /** Read, change and write the shared state in one go (so no tab overwrites another's change). */
    function update(change) {
      shared = readShared();
      change(shared);
      if (shared.entries.length > MAX_ENTRIES) {
        shared.entries = shared.entries.slice(shared.entries.length - MAX_ENTRIES);
      }
      if (!storageWorks) return;
      try {
        window.localStorage.setItem(STORAGE_KEY, JSON.stringify(shared));
      } catch (error) {
        storageWorks = false; // full or private mode: the conversation won't survive a reload
      }
    }

    function newTurnId() {
      var id;
      update(function (s) {
        s.seq += 1;
        id = "t" + Date.now().toString(36) + "-" + s.seq;
      });
      return id;
    }

    function readTab() {
      try {
        var stored = JSON.parse(window.sessionStorage.getItem(TAB_KEY) || "null");
        if (stored && typeof stored.tab === "string" && Array.isArray(stored.live)) {
          stored.live = stored.live.filter(validEntry);
          return stored;
        }
      } catch (error) {
        /* unavailable: this tab's state lives in memory */
      }
      return { tab: Math.random().toString(36).slice(2) + Date.now().toString(36), open: legacyOpen, live: [] };
    }

    function saveTab() {
      if (tabState.live.length > MAX_LIVE) tabState.live = tabState.live.slice(tabState.live.length - MAX_LIVE);
      try {
        window.sessionStorage.setItem(TAB_KEY, JSON.stringify(tabState));
      } catch (error) {
        /* this tab's open panel and unconfirmed replies just won't survive a reload */
      }
    }

    shared = readShared();
    var tabState = readTab();

    function botCount(entries, turn) {
      return entries.filter(function (e) { return e.type === "bot" && e.turn === turn; }).length;
    }

    function sameContent(a, b) {
      return a.text === b.text && JSON.stringify(a.buttons || []) === JSON.stringify(b.buttons || []) &&
        (a.image || null) === (b.image || null);
    }

    /**
     * This tab's live replies the shared copy holds: the first N of a turn when the copy has N
     * replies for it (the server's copy replaces the live one), and one the copy has under
     * another turn (received before this tab learnt of a question typed in another tab).
     */
    function liveHeld() {
      var seen = {};
      var position = {}; // turn -> index of its first entry in the copy
      shared.entries.forEach(function (e, i) { if (!(e.turn in position)) position[e.turn] = i; });
      return tabState.live.map(function (entry) {
        if (entry.type !== "bot") return false;
        seen[entry.turn] = (seen[entry.turn] || 0) + 1;
        var own = entry.turn in position ? position[entry.turn] : -1;
        return seen[entry.turn] <= botCount(shared.entries, entry.turn) ||
          shared.entries.some(function (e) {
            return e.type === "bot" && position[e.turn] > own && sameContent(e, entry);
          });
      });
    }

    /** What the log shows: the shared entries, with this tab's other live replies after their turn. */
    function view() {
      var entries = shared.entries.slice();
      var held = liveHeld();
      tabState.live.forEach(function (entry, index) {
        if (held[index]) return;
        var at = -1;
        entries.forEach(function (e, i) { if (e.turn === entry.turn) at = i; });
        if (at < 0) entries.push(entry);
        else entries.splice(at + 1, 0, entry);
      });
      return entries;
    }

    /** Forget live replies the shared copy now holds. */
    function pruneLive() {
      var held = liveHeld();
      var before = tabState.live.length;
      tabState.live = tabState.live.filter(function (entry, index) { return !held[index]; });
      if (tabState.live.length !== before) saveTab();
    }

    function lastTurn() {
      for (var i = shared.entries.length - 1; i >= 0; i -= 1) {
        if (shared.entries[i].type === "user") return shared.entries[i].turn;
      }
      return "u0";
    }

    function addLive(entry) {
      tabState.live.push(entry);
      saveTab();
    }

    /** A reply just received: it belongs to the newest question, which may come from another tab. */
    function addReply(message) {
      shared = readShared();
      addLive({ type: "bot", turn: lastTurn(), text: message.text, buttons: message.buttons, image: message.image });
    }

    /** Record the question `payload` shown as `shown` (a button's title) or as typed. */
    function ask(payload, shown) {
      var turn = newTurnId();
      var text = String(shown || payload).slice(0, MAX_QUESTION);
      update(function (s) {
        s.entries.push({ type: "user", turn: turn, text: text, local: true, tab: tabState.tab,
          payload: payload, at: Date.now(), tried: 0, acked: false });
      });
      return { turn: turn, payload: payload, text: text };
    }

    function markEntry(turn, change) {
      update(function (s) {
        s.entries.forEach(function (e) { if (e.local && e.type === "user" && e.turn === turn) change(e); });
      });
    }

    /**
     * The questions to send again, as {turn, payload, text, retry}, that the server never
     * acknowledged: at once those of this tab on (re)connecting (`reconnected`, e.g. the page
     * was reloaded right after sending), and any tab's after RESEND_AFTER_MS (its page was
     * closed, the connection dropped). `queued(turn)` says whether one is already waiting to
     * be sent. The server handles each question once.
     */
    function unacknowledged(reconnected, queued) {
      var now = Date.now();
      var picked = [];
      shared = readShared();
      shared.entries.forEach(function (e) {
        var waiting = queued(e.turn) || picked.some(function (item) { return item.turn === e.turn; });
        if (!e.local || e.type !== "user" || e.acked || waiting || typeof e.payload !== "string" ||
            now - (e.at || 0) >= PENDING_WINDOW_MS) return;
        var mine = e.tab === tabState.tab;
        if ((reconnected && mine) || !e.tried || now - e.tried >= RESEND_AFTER_MS) {
          picked.push({ turn: e.turn, payload: e.payload, text: e.text, retry: !!e.tried || !mine });
        }
      });
      return picked;
    }

    function waitingForAnswer() {
      var now = Date.now();
      return shared.entries.some(function (e) {
        return e.local && e.type === "user" && now - (e.at || 0) < PENDING_WINDOW_MS;
      });
    }

    function historyEntry(m) {
      var entry = { type: m.type, turn: m.turn, text: typeof m.text === "string" ? m.text : "" };
      if (m.type === "bot") {
        entry.buttons = (Array.isArray(m.buttons) ? m.buttons : [])
          .filter(function (b) { return b && typeof b.title === "string"; })
          .map(function (b) {
            return { title: b.title, payload: typeof b.payload === "string" ? b.payload : b.title };
          });
        entry.image = typeof m.image === "string" && /^https?:\/\//.test(m.image) ? m.image : null;
        if (m.from === "staff") entry.from = "staff";
      }
      return entry;
    }

    /**
     * Take the server's history (its `messages`) as the record: its turns replace the copy's;
     * entries of turns it does not hold (a question still being answered, a reply the tracker
     * never stored, older turns beyond its size limit) stay where they were, after the turn
     * before them. Live replies the copy now holds are forgotten.
     */
    function applyHistory(messages) {
      var fromServer = messages.filter(function (m) {
        return m && (m.type === "user" || m.type === "bot") && typeof m.turn === "string";
      }).map(historyEntry);
      update(function (s) {
        var serverTurns = {};
        fromServer.forEach(function (m) { serverTurns[m.turn] = true; });
        var kept = [];
        var anchor = null;
        s.entries.forEach(function (entry) {
          if (serverTurns[entry.turn]) {
            anchor = entry.turn;
          } else if (!(entry.legacy && fromServer.length)) {
            kept.push({ anchor: anchor, entry: entry });
          }
        });
        var result = [];
        var placed = {};
        function place(turn) {
          if (placed[turn]) return;
          placed[turn] = true;
          kept.forEach(function (k) { if (k.anchor === turn) result.push(k.entry); });
        }
        place(null);
        fromServer.forEach(function (m, i) {
          result.push(m);
          if (i + 1 === fromServer.length || fromServer[i + 1].turn !== m.turn) place(m.turn);
        });
        s.entries = result;
      });
      pruneLive();
    }

    return {
      storageKey: STORAGE_KEY,
      current: function () { return shared; },
      stored: readShared,
      reload: function () { shared = readShared(); return shared; },
      update: update,
      tab: function () { return tabState; },
      setOpen: function (open) { tabState.open = open; saveTab(); },
      view: view,
      pruneLive: pruneLive,
      lastTurn: lastTurn,
      addLive: addLive,
      addReply: addReply,
      ask: ask,
      markTried: function (turn) { markEntry(turn, function (e) { e.tried = Date.now(); }); },
      markAcked: function (turn) { markEntry(turn, function (e) { e.acked = true; }); },
      unacknowledged: unacknowledged,
      waitingForAnswer: waitingForAnswer,
      applyHistory: applyHistory,
      rating: function (turn) { return shared.ratings[turn]; },
      setRating: function (turn, rating) { update(function (s) { s.ratings[turn] = rating; }); }
    };
  }
})();
