/*
 * 大兴政务咨询助手 — website chat widget: the file to embed. It loads the widget's other
 * parts, builds the widget and runs what the visitor sees and does with it.
 *
 * Embed with one tag (the server serves this file, its CSS, its parts and the socket.io client):
 *   <script src="http://HOST:5005/widget/widget.js" data-title="大兴政务咨询助手" defer></script>
 *
 * Optional attributes: data-server (Rasa server origin; default: where this file came from),
 * data-socket-path (default /socket.io), data-questions (hot questions separated by "|").
 *
 * From the directory this file came from (like widget.css, and socket.io.min.js on the first
 * connection) it loads its parts, one concept each:
 *   conversation.js   the conversation record: session id, localStorage (shared by the site's
 *                     tabs) and sessionStorage (this tab), the server history merge, which
 *                     unacknowledged questions to send again
 *   connection.js     the server: Rasa's socketio channel, GET /widget/history, POST /widget/feedback
 *   messages.js       the conversation in the log: bubbles, safe text and links, buttons,
 *                     rating bars, re-rendering with the live region muted
 * Each part registers a factory with window.__daxingChatWidget.define(name, version, factory).
 * It also reads GET config from there ({"hotline": "…"}: the settings' HOTLINE_NUMBER, the
 * number its own texts name; no number is written in these files).
 * The widget starts (with the page's body) only once every part has loaded and registered
 * with this file's PARTS_VERSION and the config has arrived; a part that fails to load, or
 * is of another version (a stale cached copy), or a config that cannot be read, leaves the
 * page without the widget and says why in the console (never half a widget).
 *
 * Here: the markup (a launcher button and a dialog with a status line, the log, a typing
 * indicator and a textarea), sending a question, ratings, opening and closing, keyboard use
 * (Enter sends, Shift+Enter is a new line, Escape closes) and accessibility (roles, Chinese
 * labels, focus), and following another tab's change of the shared record (`storage` event).
 * Every text is put into the page with textContent, never as HTML.
 */
(function () {
  "use strict";

  if (window.__daxingChatWidget) return;

  // The other files of the widget, and the version of their interface with this file: bump
  // it whenever that interface changes, so a cached old part is never used with a new file.
  var PARTS = ["conversation", "connection", "messages"];
  var PARTS_VERSION = "2";
  var parts = {}; // name -> factory

  window.__daxingChatWidget = {
    /** Register part `name` (called by its file): `factory` if `version` is PARTS_VERSION. */
    define: function (name, version, factory) {
      if (version === PARTS_VERSION && typeof factory === "function") parts[name] = factory;
      else console.error("大兴政务咨询助手: " + name + ".js is version " + version + ", widget.js needs " + PARTS_VERSION);
    }
  };

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

  var REPLY_TIMEOUT_MS = 30000;

  var hotline = null; // the hotline number (GET config), before the widget starts

  var conversation = null; // the record (conversation.js), once loaded
  var connection = null; // the server (connection.js), once loaded
  var messages = null; // the log's content (messages.js), once loaded

  /* ---------- DOM helpers (text only through textContent) ---------- */

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
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
  var subtitle = el("p", "dxw-subtitle"); // its text needs the hotline number: see begin()
  heading.appendChild(subtitle);
  var closeButton = el("button", "dxw-close");
  closeButton.type = "button";
  closeButton.setAttribute("aria-label", "关闭对话窗口");
  closeButton.appendChild(icon("M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z"));
  header.appendChild(heading);
  header.appendChild(closeButton);

  // While a member of staff holds the conversation (the hand-off, until the hand-back).
  var handedOff = el("div", "dxw-handoff", "已转人工 · 工作人员会在这里回复您");
  handedOff.setAttribute("role", "status");
  handedOff.hidden = true;
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
  panel.appendChild(handedOff);
  panel.appendChild(status);
  panel.appendChild(log);
  panel.appendChild(typing);
  panel.appendChild(form);
  panel.appendChild(note);
  root.appendChild(panel);
  root.appendChild(launcher);

  function addLive(entry) {
    conversation.addLive(entry);
    messages.renderAndReveal();
  }

  /* ---------- status and typing ---------- */

  var replyTimer = null;

  function showStatus(text) {
    status.textContent = text || "";
    status.hidden = !text;
  }

  function setTyping(on) {
    typing.hidden = !on;
    clearTimeout(replyTimer);
    if (on) {
      var turn = conversation.lastTurn();
      replyTimer = setTimeout(function () {
        typing.hidden = true;
        addLive({ type: "notice", turn: turn, text: "暂时没有收到答复，请稍后再试，或拨打 " + hotline + " 市民服务热线。" });
      }, REPLY_TIMEOUT_MS);
    }
    if (on) messages.scrollToEnd();
  }

  /** Send `payload` to the assistant and show `shown` (a button's title) as the user's message. */
  /** Send `payload` shown as `shown`; `own`: the widget generated it itself (its 不满意
   *  hand-off), never the input box — the server accepts the widget's own payloads only so marked. */
  function sendMessage(payload, shown, own) {
    payload = String(payload || "").trim();
    if (!payload) return;
    var question = conversation.ask(payload, shown, own);
    messages.renderAndReveal();
    setTyping(true);
    connection.send(question);
  }

  function rate(turnId, rating, bar) {
    var texts = conversation.view()
      .filter(function (e) { return e.type === "bot" && e.turn === turnId; })
      .map(function (e) { return e.text; });
    messages.setRatingView(bar, rating, "正在提交…");
    connection.feedback({
      message_id: turnId,
      text: texts.join("\n").slice(0, 4000),
      question: messages.questionOf(turnId).slice(0, 4000),
      rating: rating
    }).then(function (result) {
      conversation.setRating(turnId, rating);
      messages.setRatingView(bar, rating, "感谢您的评价！");
      // Repeated 不满意: the assistant hands the conversation to a person.
      if (result && result.handoff) sendMessage("/negative_feedback", "转人工服务", true);
    }).catch(function () {
      messages.setRatingView(bar, conversation.stored().ratings[turnId] || "", "评价提交失败，请稍后再试。");
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
    conversation.setOpen(true);
    connection.connect();
    messages.scrollToEnd();
    if (!restoring) input.focus();
  }

  function closePanel() {
    panel.hidden = true;
    root.classList.remove("dxw-open");
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-label", "打开" + title);
    conversation.setOpen(false);
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
    if (event.key !== conversation.storageKey || !event.newValue) return;
    conversation.reload();
    conversation.pruneLive();
    var added = messages.renderAndReveal();
    // A question typed in another tab: this tab waits for the answer too.
    if (added.some(function (e) { return e.type === "user" && e.local; })) setTyping(true);
    connection.follow(conversation.current().sessionId);
  }

  function start() {
    document.body.appendChild(root);
    messages.renderWelcome();
    messages.render();
    if (conversation.waitingForAnswer()) setTyping(true); // reloaded right after asking
    window.addEventListener("storage", onStorage);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") connection.catchUp();
    });
    // A visitor with a conversation rejoins it at once, so replies keep arriving.
    if (conversation.tab().open) openPanel(true);
    else if (conversation.current().sessionId) connection.connect();
  }

  /* ---------- loading the parts ---------- */

  /** Every part and the config have loaded: make the record and the connection, then start
   *  with the page. */
  function begin() {
    subtitle.textContent = "依据区政务公开工作方案答复 · 人工服务请拨打 " + hotline;
    conversation = parts.conversation(server);
    messages = parts.messages({
      log: log, title: title, hotQuestions: hotQuestions, conversation: conversation,
      choose: sendMessage, rate: rate
    });
    connection = parts.connection({
      server: server, socketPath: socketPath, assetBase: assetBase, conversation: conversation,
      hotline: hotline,
      hooks: {
        status: showStatus,
        answered: function () { setTyping(false); },
        handedOff: function (on) { handedOff.hidden = !on; },
        reply: function (message) {
          conversation.addReply(message);
          messages.renderAndReveal();
          if (panel.hidden) launcher.classList.add("dxw-unread");
        },
        history: function () {
          messages.renderAndReveal();
          // The answer came with the history.
          if (!conversation.waitingForAnswer() && !typing.hidden) setTyping(false);
        }
      }
    });
    if (document.body) start();
    else document.addEventListener("DOMContentLoaded", start);
  }

  var waiting = PARTS.length + 1; // the parts and the config
  var failed = false;

  /** One more of the parts or the config is here: begin once all are. */
  function loaded() {
    if (--waiting === 0 && !failed) begin();
  }

  function fail(why) {
    if (failed) return;
    failed = true;
    stylesheet.remove();
    console.error("大兴政务咨询助手: the chat widget is not shown: " + why);
  }

  PARTS.forEach(function (name) {
    var tag = document.createElement("script");
    tag.src = assetBase + name + ".js?v=" + PARTS_VERSION;
    tag.async = true;
    tag.onload = function () {
      if (!parts[name]) fail(name + ".js did not register version " + PARTS_VERSION);
      else loaded();
    };
    tag.onerror = function () { fail("could not load " + tag.src); };
    document.head.appendChild(tag);
  });

  fetch(assetBase + "config").then(function (response) {
    if (!response.ok) throw new Error("HTTP " + response.status);
    return response.json();
  }).then(function (config) {
    var number = config && typeof config.hotline === "string" ? config.hotline.trim() : "";
    if (!number) throw new Error("no hotline number in it");
    return number;
  }).then(function (number) {
    hotline = number;
    loaded();
  }, function (error) {
    fail("could not read " + assetBase + "config (" + error.message + ")");
  });
})();
