// Chorus review page: save without reloading, keyboard shortcuts, conflicts shown for merging.
// Without this file the forms still work (they post and the page reloads).
(function () {
  "use strict";
  var list = document.getElementById("segments");
  if (!list) return;
  var api = list.dataset.api;
  var canEdit = list.dataset.canEdit === "1";
  var canApprove = list.dataset.canApprove === "1";
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var saved = new WeakMap();   // textarea -> text as last saved (Esc goes back to it)
  var claimed = {};            // segment id -> time we last told the server we opened it
  var NEEDS_WORK = ["untranslated", "fuzzy"];
  var t = window.chorusText || function (text) { return text; };  // ui.js: the page's language

  function articles() { return Array.prototype.slice.call(list.querySelectorAll("article.seg")); }
  function part(article, role) { return article.querySelector('[data-role="' + role + '"]'); }
  function field(article) { return article.querySelector("textarea[name=target]"); }
  function articleOf(node) { return node && node.closest ? node.closest("article.seg") : null; }

  articles().forEach(function (article) { saved.set(field(article), field(article).value); });

  function setStatus(article, text, bad) {
    var status = part(article, "status");
    if (!status) return;
    status.textContent = text;
    status.classList.toggle("bad", !!bad);
  }

  function setMayApprove(article, may) {
    article.dataset.mayApprove = may ? "1" : "0";
    var button = part(article, "approve");
    if (button) button.hidden = !may;
  }

  function setState(article, state, revision) {
    article.dataset.state = state;
    article.dataset.revision = revision;
    article.querySelector("input[name=revision]").value = revision;
    article.className = article.className.replace(/\bstate-\S+/, "state-" + state);
    var badge = part(article, "badge");
    badge.className = badge.className.replace(/\bstate-\S+/, "state-" + state);
    badge.textContent = t(state === "fuzzy" ? "draft" : state);
  }

  function focusArticle(article) {
    if (!article) return false;
    var area = field(article);
    area.focus({ preventScroll: true });
    area.setSelectionRange(area.value.length, area.value.length);
    article.scrollIntoView({ block: "center", behavior: "auto" });
    return true;
  }

  function neighbour(article, step) {
    var all = articles();
    return all[all.indexOf(article) + step] || null;
  }

  function nextNeedingWork(article, fromServer) {
    if (fromServer) {
      var found = document.getElementById("seg-" + fromServer);
      if (found) return found;
    }
    var all = articles(), start = all.indexOf(article);
    for (var i = 1; i < all.length; i++) {
      var candidate = all[(start + i) % all.length];
      if (NEEDS_WORK.indexOf(candidate.dataset.state) >= 0 && !candidate.querySelector(".claimed")) return candidate;
    }
    return null;
  }

  function refreshPreview() {
    var box = document.querySelector('[data-role="preview"]');
    if (!box) return;
    fetch(list.dataset.preview, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) box.innerHTML = html; })  // server-escaped fragment
      .catch(function () {});
  }

  function showConflict(article, body) {
    var box = part(article, "conflict");
    part(article, "conflict-text").textContent = body.target;
    part(article, "conflict-state").textContent = t(body.state === "fuzzy" ? "draft" : body.state);
    box.hidden = false;
    article.classList.add("conflicted");
    // The next save is made against their revision: merging is a deliberate choice.
    setState(article, body.state, body.revision);
    saved.set(field(article), body.target);
    setStatus(article, t("Changed by someone else: merge and save again."), true);
  }

  function hideConflict(article) {
    part(article, "conflict").hidden = true;
    article.classList.remove("conflicted");
  }

  function send(article, approve, goNext) {
    if (!canEdit || (approve && !canApprove)) return;
    if (approve && article.dataset.mayApprove !== "1" && field(article).value === saved.get(field(article))) {
      setStatus(article, t("Not approved: another reviewer approves this text (four eyes)."), true);
      return;
    }
    var area = field(article);
    var url = api + "/" + article.dataset.id + (approve ? "/approve" : "");
    setStatus(article, t("Saving…"));
    fetch(url, {
      method: approve ? "POST" : "PUT",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify({ target: area.value, revision: article.dataset.revision })
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.status === 409) { showConflict(article, body); return; }
        if (!response.ok) { setStatus(article, body.message || t("Not saved (%s)", response.status), true); return; }
        hideConflict(article);
        setState(article, body.state, body.revision);
        setMayApprove(article, body.may_approve);
        area.value = body.target;
        saved.set(area, body.target);
        setStatus(article, t(approve ? "Approved" : "Saved"));
        refreshPreview();
        if (goNext) {
          var next = nextNeedingWork(article, body.next);
          if (!focusArticle(next)) setStatus(article, t(approve ? "Approved" : "Saved") + " · " + t("nothing left that needs work"));
        }
      });
    }).catch(function () {
      setStatus(article, t("Not saved: the server cannot be reached. Your text is still here."), true);
    });
  }

  function claim(article) {
    var id = article.dataset.id, now = Date.now();
    if (!canEdit || (claimed[id] && now - claimed[id] < 60000)) return;
    claimed[id] = now;
    fetch(api + "/" + id + "/open", {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" }
    }).catch(function () {});
  }

  list.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList.contains("target")) return;  // comment forms post normally
    event.preventDefault();
    var approve = event.submitter && event.submitter.value === "approve";
    send(articleOf(form), approve, false);
  });

  list.addEventListener("focusin", function (event) {
    var article = articleOf(event.target);
    if (!article || event.target.name !== "target") return;
    articles().forEach(function (a) { a.classList.toggle("current", a === article); });
    claim(article);
  });

  list.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button) return;
    var article = articleOf(button);
    if (button.dataset.action === "take-theirs") {
      field(article).value = part(article, "conflict-text").textContent;
      hideConflict(article);
    } else if (button.dataset.action === "use-suggestion") {
      field(article).value = button.closest("li").querySelector('[data-role="suggestion"]').textContent;
    }
    focusArticle(article);
  });

  document.addEventListener("keydown", function (event) {
    var article = articleOf(document.activeElement);
    var inTarget = article && document.activeElement.name === "target";
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && inTarget) {
      event.preventDefault();
      send(article, event.shiftKey, true);
    } else if (event.altKey && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      var from = article || articles()[0];
      if (!article) { focusArticle(from); return; }
      focusArticle(neighbour(from, event.key === "ArrowDown" ? 1 : -1) || from);
    } else if (event.key === "Escape" && inTarget) {
      event.preventDefault();
      document.activeElement.value = saved.get(document.activeElement);
      setStatus(article, t("Reverted"));
    }
  });

  window.addEventListener("beforeunload", function (event) {
    var dirty = articles().some(function (a) { return field(a).value !== saved.get(field(a)); });
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });

  if (location.hash.indexOf("#seg-") === 0) focusArticle(document.getElementById(location.hash.slice(1)));
})();
