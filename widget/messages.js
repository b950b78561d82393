/*
 * 大兴政务咨询助手 — website chat widget, part "messages": the conversation in the log.
 *
 * Loaded by widget.js (never embed it yourself); registers the part "messages":
 *   createMessages(options) -> messages, with options
 *     log               the log element (role="log", aria-live="polite") to render into
 *     title             the assistant's name, for the welcome message
 *     hotQuestions      the welcome message's 热点问题 (strings)
 *     conversation      the record (conversation.js): view() and rating(turn) are shown
 *     choose(payload, title)       a choice button was clicked
 *     rate(turnId, rating, bar)    满意 / 不满意 was clicked on the answer of turnId
 *
 * Every text is put into the page with textContent, never as HTML: line breaks become <br>
 * and http(s) URLs links (rel="noopener noreferrer"). A user message, a bot message (as the
 * assistant's or, from="staff", as 工作人员's) with its choice buttons and image, one rating
 * bar per answered turn, a notice. Screen readers hear only what is new: new entries are
 * appended; anything else re-renders the log with its live region muted, keeping the scroll
 * position and the focused control.
 *
 * The messages object:
 *   renderWelcome()       put the welcome message (with the 热点问题) in the empty log
 *   render()              show conversation.view(); returns the entries added
 *   renderAndReveal()     render(), then scroll a new answer into view (from its question)
 *                         or, for anything else new, to the end; returns the entries added
 *   scrollToEnd()
 *   setRatingView(bar, rating, message)  show `rating` pressed in a rating bar, and a message
 *   questionOf(turnId)    the question text shown for a turn ("" if not shown)
 */
(function () {
  "use strict";

  var host = window.__daxingChatWidget;
  if (!host || typeof host.define !== "function") {
    if (window.console) console.error("大兴政务咨询助手: messages.js is loaded by widget.js; embed widget.js only");
    return;
  }

  var URL_PATTERN = /https?:\/\/[^\s<>"'，。；：、（）【】《》“”‘’！？]+/g;

  host.define("messages", "2", createMessages);

  /* ---------- text only through textContent ---------- */

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

  function createMessages(options) {
    var log = options.log;
    var title = options.title;
    var hotQuestions = options.hotQuestions;
    var conversation = options.conversation;

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
          options.choose(b.payload || b.title, b.title);
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
          options.rate(turnId, pair[0], bar);
        });
        bar.appendChild(button);
      });
      var feedbackStatus = el("span", "dxw-feedback-status");
      feedbackStatus.setAttribute("aria-live", "polite");
      bar.appendChild(feedbackStatus);
      if (conversation.rating(turnId)) setRatingView(bar, conversation.rating(turnId), "感谢您的评价！");
      return bar;
    }

    /** A rating given in another tab shows here too. */
    function applyRatings() {
      Object.keys(turnGroups).forEach(function (turnId) {
        var bar = turnGroups[turnId].feedback;
        var rating = conversation.rating(turnId);
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

    /** `staff`: written by a member of staff (the history's metadata says so), not the assistant.
     *  Its text starts with who wrote it ("工作人员（王**）：…", as every channel shows it):
     *  that part becomes the label. */
    function botBubble(text, buttons, image, staff) {
      var message = el("div", staff ? "dxw-msg dxw-bot dxw-staff" : "dxw-msg dxw-bot");
      var speaker = el("span", "dxw-visually-hidden", staff ? "工作人员：" : "助手：");
      var bubble = el("div", "dxw-bubble");
      bubble.appendChild(speaker);
      var label = "工作人员";
      var named = staff && text ? /^(工作人员（[^）\n]{1,20}）)：/.exec(text) : null;
      if (named) {
        label = named[1];
        text = text.slice(named[0].length);
      }
      if (staff) bubble.appendChild(el("span", "dxw-staff-label", label));
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
     * Show conversation.view(). New entries after what is shown are appended (so a screen
     * reader hears only them); anything else (history from the server differs, another tab)
     * re-renders the log with the live region muted, keeping the scroll position and the
     * focused control. Returns the entries added.
     */
    function render() {
      var entries = conversation.view();
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

    return {
      renderWelcome: renderWelcome,
      render: render,
      renderAndReveal: renderAndReveal,
      scrollToEnd: scrollToEnd,
      setRatingView: setRatingView,
      questionOf: function (turnId) { return turnQuestions[turnId] || ""; }
    };
  }
})();
