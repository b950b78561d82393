/* 大兴区政务咨询助手 · 工作台: live updates (server-sent events) and forms without reloading.
 * No inline scripts (the Content-Security-Policy forbids them); every text is set with
 * textContent, never as HTML. */
(function () {
  "use strict";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function follow(url, render) {
    var live = document.getElementById("live");
    var source = new EventSource(url);
    source.onmessage = function (event) {
      if (live) live.hidden = false;
      render(JSON.parse(event.data));
    };
    source.onerror = function () { if (live) live.hidden = true; };
  }

  /* ---- the inbox ---- */
  var table = document.getElementById("tickets");
  if (table) {
    follow(table.dataset.stream, function (tickets) {
      var body = table.querySelector("tbody");
      body.textContent = "";
      if (!tickets.length) {
        var row = el("tr", "empty");
        var cell = el("td", null, "目前没有待处理的工单");
        cell.colSpan = 7;
        row.appendChild(cell);
        body.appendChild(row);
        return;
      }
      tickets.forEach(function (t) {
        var row = el("tr");
        var link = el("a", null, t.number);
        link.href = "/tickets/" + encodeURIComponent(t.number);
        var first = el("td");
        first.appendChild(link);
        row.appendChild(first);
        [t.reason, t.channel, t.created_at, t.waiting_minutes + " 分钟", t.claimed_by || "未接手", t.phone || "—"]
          .forEach(function (value) { row.appendChild(el("td", null, value)); });
        body.appendChild(row);
      });
    });
  }

  /* ---- one ticket ---- */
  var ticket = document.getElementById("ticket");
  if (ticket) {
    var list = document.getElementById("conversation");
    var message = document.getElementById("message");
    var who = { user: "群众", bot: "智能助手" };

    var first = true;
    follow(ticket.dataset.stream, function (state) {
      document.getElementById("status").textContent = state.ticket.status;
      document.getElementById("claimed").textContent = state.ticket.claimed_by || "未接手";
      document.getElementById("actions").hidden = !state.open;
      if (!state.lines) return; // the assistant's server cannot be asked now: keep what is shown
      var atEnd = list.scrollTop + list.clientHeight >= list.scrollHeight - 20;
      list.textContent = "";
      state.lines.forEach(function (line) {
        var item = el("li", line.role);
        item.appendChild(el("span", "who", line.role === "staff" ? "工作人员（" + line.author + "）" : who[line.role]));
        item.appendChild(el("span", "text", line.text));
        list.appendChild(item);
      });
      if (atEnd || first) list.scrollTop = list.scrollHeight;
      first = false;
    });

    function say(text, isError) {
      message.textContent = text;
      message.className = isError ? "message error" : "message";
    }

    Array.prototype.forEach.call(ticket.querySelectorAll("form[data-action], form[data-reveal]"), function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var body = new URLSearchParams(new FormData(form));
        fetch(form.action, {
          method: "POST", body: body, credentials: "same-origin",
          headers: { "Accept": "application/json", "X-CSRF-Token": ticket.dataset.csrf }
        }).then(function (response) {
          if (!response.ok) return response.text().then(function (text) { throw new Error(text || response.status); });
          return response.json();
        }).then(function (result) {
          if (form.hasAttribute("data-reveal")) {
            document.getElementById("phone").textContent = result.phone;
            form.hidden = true;
            return;
          }
          if (form.hasAttribute("data-reply")) {
            form.querySelector("textarea").value = "";
            say(result.delivered ? "已发送给群众" : "已保存，稍后自动送达（智能助手服务暂时无法连接）", !result.delivered);
          } else {
            say("已完成");
          }
        }).catch(function (error) { say(error.message, true); });
      });
    });
  }
})();
