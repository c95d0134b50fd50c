/* Refreshes the conversation of a waiting citizen every few seconds: the citizen's new messages
   and the delivery outcome of the officer's replies. Self-hosted, no library; text only
   (textContent), never HTML from the server. */
(function () {
  "use strict";
  var list = document.getElementById("transcript");
  if (!list || !list.dataset.poll) { return; }
  var replies = document.getElementById("replies");
  var owner = document.getElementById("handoff-owner");
  var last = "";

  function item(cls, meta, text) {
    var li = document.createElement("li");
    li.className = cls;
    var span = document.createElement("span");
    span.className = "meta";
    span.textContent = meta;
    li.appendChild(span);
    li.appendChild(document.createTextNode(" " + text));
    return li;
  }

  function render(data) {
    var key = JSON.stringify([data.lines, data.replies, data.taken_by]);
    if (key === last) { return; }
    last = key;
    list.textContent = "";
    data.lines.forEach(function (l) { list.appendChild(item(l.who, l.at, l.text)); });
    if (replies) {
      replies.textContent = "";
      data.replies.forEach(function (r) {
        replies.appendChild(item("o-" + r.outcome, r.at + " · " + r.actor + " · " + r.outcome +
          (r.error ? " — " + r.error : ""), r.text));
      });
    }
    if (owner && data.taken_by && owner.textContent.indexOf(data.taken_by) < 0) {
      owner.textContent = data.taken_by;
    }
  }

  function poll() {
    fetch(list.dataset.poll, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { render(data); } })
      .catch(function () { /* offline for a moment: try again at the next tick */ })
      .then(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 3000);
})();
