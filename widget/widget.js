/*
 * 大兴政务咨询助手 — website chat widget.
 *
 * Embed with one tag (the server serves this file, its CSS and the socket.io client):
 *   <script src="http://HOST:5005/widget/widget.js" data-title="大兴政务咨询助手" defer></script>
 *
 * Optional attributes: data-server (Rasa server origin; default: where this file came from),
 * data-socket-path (default /socket.io), data-questions (hot questions separated by "|").
 *
 * Talks to Rasa's socketio channel (events user_uttered / bot_uttered, session_persistence).
 * The server's tracker is the record of the conversation: on every (re)connect, after each
 * reply and while a question is unanswered, the widget reads GET /widget/history and shows
 * what the server holds, so an answer that arrived while the page was reloading is shown.
 * localStorage keeps the session_id, a copy of that history (shown at once on load),
 * questions not yet confirmed by the server and the ratings; it is shared by all tabs of the
 * site, which therefore show one conversation: every tab joins the same session, receives
 * the replies live, and re-renders when another tab changes the copy (`storage` event).
 * Per tab (sessionStorage): whether the panel is open and replies not yet in the server's
 * history. Every message text is put into the page with textContent, never as HTML.
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

  var STORAGE_KEY = "daxing-chat-widget:" + server; // shared by the site's tabs
  var TAB_KEY = STORAGE_KEY + ":tab"; // this tab only (sessionStorage)
  var HISTORY_URL = assetBase + "history";
  var MAX_ENTRIES = 200;
  var MAX_LIVE = 50;
  var REPLY_TIMEOUT_MS = 30000;
  var SYNC_AFTER_REPLY_MS = 700; // Rasa saves the tracker after the last reply of a turn
  var POLL_MS = 1500;
  var PENDING_WINDOW_MS = 90000; // how long an unanswered question makes the widget poll
  var RESEND_AFTER_MS = 10000; // a question not acknowledged by then is sent again
  var SESSION_PATTERN = /^[0-9a-f]{32}$/;
  var URL_PATTERN = /https?:\/\/[^\s<>"'，。；：、（）【】《》“”‘’！？]+/g;

  /* ---------- state: shared by all tabs (localStorage) and this tab's own ---------- */

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
  var turnQuestions = {}; // turn id -> the user's text
  var renderedKeys = []; // what the log shows now, one key per entry

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
    if (shared.ratings[turnId]) setRatingView(bar, shared.ratings[turnId], "感谢您的评价！");
    return bar;
  }

  /** A rating given in another tab shows here too. */
  function applyRatings() {
    Object.keys(turnGroups).forEach(function (turnId) {
      var bar = turnGroups[turnId].feedback;
      var rating = shared.ratings[turnId];
      if (!bar || !rating) return;
      var pressed = bar.querySelector('.dxw-rate[aria-pressed="true"]');
      if (!pressed || pressed.getAttribute("data-rating") !== rating) {
        setRatingView(bar, rating, "感谢您的评价！");
      }
    });
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

  /** `staff`: written by a member of staff (the history's metadata says so), not the assistant. */
  function botBubble(text, buttons, image, staff) {
    var message = el("div", staff ? "dxw-msg dxw-bot dxw-staff" : "dxw-msg dxw-bot");
    var speaker = el("span", "dxw-visually-hidden", staff ? "工作人员：" : "助手：");
    var bubble = el("div", "dxw-bubble");
    bubble.appendChild(speaker);
    if (staff) bubble.appendChild(el("span", "dxw-staff-label", "工作人员"));
    if (text) renderText(bubble, text);
    if (image) {
      var img = el("img", "dxw-image");
      img.src = image;
      img.alt = staff ? "工作人员发送的图片" : "助手发送的图片";
      bubble.appendChild(img);
    }
    message.appendChild(bubble);
    if (buttons && buttons.length) message.appendChild(choiceButtons(buttons));
    return message;
  }

  function renderWelcome() {
    var welcome = botBubble(
      "您好！我是" + title + "，可以解答医保、就业社保政策宣讲，“政务开放日”“政策公开讲”活动和报名等政务公开方面的问题，答复都会注明出处。\n您可以直接输入问题，或点击下面的热点问题：",
      hotQuestions.map(function (q) { return { title: q, payload: q }; })
    );
    welcome.classList.add("dxw-welcome");
    var label = el("p", "dxw-hot-label", "热点问题");
    var choices = welcome.querySelector(".dxw-choices");
    if (choices) welcome.insertBefore(label, choices);
    log.appendChild(welcome);
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
    } else if (entry.type === "bot") {
      var turn = botGroup(entry.turn, true);
      turn.group.insertBefore(
        botBubble(entry.text, entry.buttons, entry.image, entry.from === "staff"), turn.feedback
      );
    } else if (entry.type === "notice") {
      log.appendChild(el("p", "dxw-notice", entry.text));
    }
  }

  function entryKey(entry) {
    return JSON.stringify([entry.type, entry.turn, entry.text, entry.buttons || [],
      entry.image || null, entry.from === "staff"]);
  }

  /**
   * Show view(). New entries after what is shown are appended (so a screen reader hears only
   * them); anything else (history from the server differs, another tab) re-renders the log
   * with the live region muted, keeping the scroll position and the focused control.
   * Returns the entries added.
   */
  function render() {
    var entries = view();
    var keys = entries.map(entryKey);
    var prefix = renderedKeys.length <= keys.length &&
      renderedKeys.every(function (key, i) { return key === keys[i]; });
    var added = [];
    if (prefix) {
      added = entries.slice(renderedKeys.length);
      added.forEach(renderEntry);
    } else {
      var atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 24;
      var top = log.scrollTop;
      var controls = log.querySelectorAll("button, a");
      var focused = Array.prototype.indexOf.call(controls, document.activeElement);
      log.setAttribute("aria-live", "off");
      log.textContent = "";
      turnGroups = {};
      turnQuestions = {};
      renderWelcome();
      entries.forEach(renderEntry);
      if (atEnd) scrollToEnd();
      else log.scrollTop = top;
      if (focused >= 0) {
        var again = log.querySelectorAll("button, a")[focused];
        if (again) again.focus();
        else log.focus();
      }
      setTimeout(function () { log.setAttribute("aria-live", "polite"); }, 0);
    }
    renderedKeys = keys;
    applyRatings();
    return added;
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

  /** Show what changed; a new reply is scrolled into view, anything else scrolls to the end. */
  function renderAndReveal() {
    var added = render();
    if (!added.length) return added;
    var last = added[added.length - 1];
    if (last.type === "bot") revealTurn(last.turn);
    else scrollToEnd();
    return added;
  }

  function addLive(entry) {
    tabState.live.push(entry);
    saveTab();
    renderAndReveal();
  }

  /* ---------- talking to Rasa's socketio channel ---------- */

  var socket = null;
  var sessionId = null; // the session this tab's socket joined
  var requestedId = null;
  var confirmed = false;
  var outbox = []; // questions of this tab waiting for the connection
  var replyTimer = null;

  function showStatus(text) {
    status.textContent = text || "";
    status.hidden = !text;
  }

  function setTyping(on) {
    typing.hidden = !on;
    clearTimeout(replyTimer);
    if (on) {
      var turn = lastTurn();
      replyTimer = setTimeout(function () {
        typing.hidden = true;
        addLive({ type: "notice", turn: turn, text: "暂时没有收到答复，请稍后再试，或拨打 12345 市民服务热线。" });
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

  /* ---------- the server's history ---------- */

  var syncTimer = null;
  var syncing = false;
  var syncAgain = false;

  function syncSoon(delay) {
    clearTimeout(syncTimer);
    syncTimer = setTimeout(sync, delay);
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
   * Take the server's history as the record: its turns replace the copy's; entries of turns
   * it does not hold (a question still being answered, a reply the tracker never stored,
   * older turns beyond its size limit) stay where they were, after the turn before them.
   */
  function applyHistory(messages) {
    var server = messages.filter(function (m) {
      return m && (m.type === "user" || m.type === "bot") && typeof m.turn === "string";
    }).map(historyEntry);
    update(function (s) {
      var serverTurns = {};
      server.forEach(function (m) { serverTurns[m.turn] = true; });
      var kept = [];
      var anchor = null;
      s.entries.forEach(function (entry) {
        if (serverTurns[entry.turn]) {
          anchor = entry.turn;
        } else if (!(entry.legacy && server.length)) {
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
      server.forEach(function (m, i) {
        result.push(m);
        if (i + 1 === server.length || server[i + 1].turn !== m.turn) place(m.turn);
      });
      s.entries = result;
    });
    pruneLive();
    renderAndReveal();
    if (!waitingForAnswer() && !typing.hidden) setTyping(false); // the answer came with the history
  }

  function waitingForAnswer() {
    var now = Date.now();
    return shared.entries.some(function (e) {
      return e.local && e.type === "user" && now - (e.at || 0) < PENDING_WINDOW_MS;
    });
  }

  /** Read the conversation from the server (GET /widget/history) and show it. */
  function sync() {
    var id = sessionId || readShared().sessionId;
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
        if (readShared().sessionId !== id) return; // the conversation changed meanwhile
        applyHistory(history && Array.isArray(history.messages) ? history.messages : []);
      })
      .catch(function () {
        /* offline or server busy: keep showing the copy; the next sync catches up */
      })
      .then(function () {
        syncing = false;
        if (syncAgain) {
          syncAgain = false;
          syncSoon(0);
        } else if (waitingForAnswer()) {
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

  function markEntry(turn, change) {
    update(function (s) {
      s.entries.forEach(function (e) { if (e.local && e.type === "user" && e.turn === turn) change(e); });
    });
  }

  function flush() {
    while (confirmed && socket && socket.connected && outbox.length) {
      var item = outbox.shift();
      var turn = item.turn;
      // The server acknowledges once it has handled and stored the turn (true), or ignored
      // it (false); a question sent again (`retry`) that it already has is not handled twice.
      socket.emit("user_uttered", {
        message: item.payload,
        session_id: sessionId,
        metadata: { turn: turn, shown: item.text, retry: item.retry }
      }, function (handled) {
        if (handled) markEntry(turn, function (e) { e.acked = true; });
        syncSoon(0);
      });
      markEntry(turn, function (e) { e.tried = Date.now(); });
    }
  }

  /**
   * Send again the questions the server never acknowledged: at once those of this tab on
   * (re)connecting (e.g. the page was reloaded right after sending), and any tab's after
   * RESEND_AFTER_MS (its page was closed, the connection dropped). The server handles each
   * question once.
   */
  function requeueUnacknowledged(reconnected) {
    var now = Date.now();
    shared = readShared();
    shared.entries.forEach(function (e) {
      var queued = outbox.some(function (item) { return item.turn === e.turn; });
      if (!e.local || e.type !== "user" || e.acked || queued || typeof e.payload !== "string" ||
          now - (e.at || 0) >= PENDING_WINDOW_MS) return;
      var mine = e.tab === tabState.tab;
      if ((reconnected && mine) || !e.tried || now - e.tried >= RESEND_AFTER_MS) {
        outbox.push({ turn: e.turn, payload: e.payload, text: e.text, retry: !!e.tried || !mine });
      }
    });
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
    shared = readShared(); // the question may come from another tab
    addLive({ type: "bot", turn: lastTurn(), text: text, buttons: buttons, image: image });
    if (panel.hidden) launcher.classList.add("dxw-unread");
    syncSoon(SYNC_AFTER_REPLY_MS);
  }

  function onSessionConfirm(data) {
    var id = typeof data === "string" ? data : data && data.session_id;
    if (!id) return;
    var stored = readShared().sessionId;
    // Another tab started the conversation meanwhile: join it rather than start a second one.
    if (stored && SESSION_PATTERN.test(stored) && stored !== id && stored !== requestedId) {
      requestSession(stored);
      return;
    }
    sessionId = id;
    if (stored !== id) update(function (s) { s.sessionId = id; });
    confirmed = true;
    requeueUnacknowledged(true);
    flush();
    syncSoon(0);
  }

  function connect() {
    if (socket) return Promise.resolve();
    showStatus("正在连接…");
    return loadSocketIo().then(function (io) {
      if (socket) return;
      socket = io(server, { path: socketPath, transports: ["websocket", "polling"] });
      socket.on("connect", function () {
        showStatus("");
        requestSession(readShared().sessionId);
      });
      socket.on("session_confirm", onSessionConfirm);
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
    var turn = newTurnId();
    var text = String(shown || payload).slice(0, 500);
    update(function (s) {
      s.entries.push({ type: "user", turn: turn, text: text, local: true, tab: tabState.tab,
        payload: payload, at: Date.now(), tried: 0, acked: false });
    });
    renderAndReveal();
    setTyping(true);
    outbox.push({ turn: turn, payload: payload, text: text, retry: false });
    connect().then(flush);
  }

  function rate(turnId, rating, bar) {
    var texts = view()
      .filter(function (e) { return e.type === "bot" && e.turn === turnId; })
      .map(function (e) { return e.text; });
    setRatingView(bar, rating, "正在提交…");
    fetch(assetBase + "feedback", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        sender_id: sessionId || readShared().sessionId || "anonymous",
        message_id: turnId,
        text: texts.join("\n").slice(0, 4000),
        question: (turnQuestions[turnId] || "").slice(0, 4000),
        rating: rating
      })
    }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    }).then(function (result) {
      update(function (s) { s.ratings[turnId] = rating; });
      setRatingView(bar, rating, "感谢您的评价！");
      // Repeated 不满意: the assistant hands the conversation to a person.
      if (result && result.handoff) sendMessage("/negative_feedback", "转人工服务");
    }).catch(function () {
      setRatingView(bar, readShared().ratings[turnId] || "", "评价提交失败，请稍后再试。");
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
    tabState.open = true;
    saveTab();
    connect();
    scrollToEnd();
    if (!restoring) input.focus();
  }

  function closePanel() {
    panel.hidden = true;
    root.classList.remove("dxw-open");
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-label", "打开" + title);
    tabState.open = false;
    saveTab();
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

  /** Another tab changed the conversation: show it, and follow it to its session. */
  function onStorage(event) {
    if (event.key !== STORAGE_KEY || !event.newValue) return;
    shared = readShared();
    pruneLive();
    var added = renderAndReveal();
    // A question typed in another tab: this tab waits for the answer too.
    if (added.some(function (e) { return e.type === "user" && e.local; })) setTyping(true);
    var id = shared.sessionId;
    if (!id || !SESSION_PATTERN.test(id)) return;
    if (!socket) connect();
    else if (socket.connected && id !== sessionId && id !== requestedId) requestSession(id);
  }

  function start() {
    document.body.appendChild(root);
    renderWelcome();
    render();
    if (waitingForAnswer()) setTyping(true); // reloaded right after asking
    window.addEventListener("storage", onStorage);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible" && socket) syncSoon(0);
    });
    // A visitor with a conversation rejoins it at once, so replies keep arriving.
    if (tabState.open) openPanel(true);
    else if (shared.sessionId) connect();
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
