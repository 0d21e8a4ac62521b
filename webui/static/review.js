// Chorus review page: save without reloading, keyboard shortcuts, conflicts shown for merging,
// live updates of what others do (Server-Sent Events), comments without reloading.
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

  var previewTimer = null;
  function refreshPreview() {  // at most one fetch for a burst of changes
    clearTimeout(previewTimer);
    previewTimer = setTimeout(loadPreview, 300);
  }

  function loadPreview() {
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
        fetchRows([article.dataset.id]);  // QA warnings, origin, author and history, as now stored
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
    var action = event.submitter ? event.submitter.value : "save";
    send(articleOf(form), action === "approve", action === "save-next");
  });

  // --- comments without reloading (the form still posts without JavaScript) ---------------------
  list.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList.contains("comment-form")) return;
    event.preventDefault();
    var article = articleOf(form), box = form.querySelector("textarea"), status = form.querySelector('[data-role="comment-status"]');
    if (!box.value.trim()) { status.textContent = t("Write a comment first."); return; }
    status.textContent = t("Sending…");
    fetch(form.action, {
      method: "POST", credentials: "same-origin", body: new FormData(form),
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) { status.textContent = body.message || t("Comment not added (%s)", response.status); return; }
        box.value = "";
        status.textContent = t("Comment added");
        fetchRows([article.dataset.id]);
      });
    }).catch(function () { status.textContent = t("Comment not added: the server cannot be reached. Your text is still here."); });
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

  // --- live updates ---------------------------------------------------------------------------
  function fragment(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html;  // rendered and escaped by the server
    return holder.content;
  }

  function swap(article, fresh, selector) {
    var old = article.querySelector(selector), neu = fresh.querySelector(selector);
    if (old && neu) old.replaceWith(neu);
    else if (old) old.remove();
    return neu;
  }

  function swapPanel(article, fresh, name) {
    var foot = article.querySelector(".seg-foot");
    var old = foot.querySelector("details." + name), neu = fresh.querySelector("details." + name);
    if (!neu) { if (old) old.remove(); return; }
    if (old) neu.open = old.open; else if (name === "suggestions") neu.open = false;
    if (old && name === "comments") {  // keep the comment being written
      var form = old.querySelector("form"), fresher = neu.querySelector("form");
      if (form && fresher) fresher.replaceWith(form);
    }
    if (old) old.replaceWith(neu); else if (name === "suggestions") foot.prepend(neu); else foot.append(neu);
  }

  function applyRow(row) {
    var article = document.getElementById("seg-" + row.id);
    if (!article) return;
    var fresh = fragment(row.html).querySelector("article.seg");
    if (!fresh) return;
    var area = field(article), dirty = area.value !== saved.get(area);
    var theirs = field(fresh).value;
    swap(article, fresh, ".seg-head");
    swap(article, fresh, ".source");
    swap(article, fresh, '[data-role="warnings"]');
    ["suggestions", "comments", "history"].forEach(function (name) { swapPanel(article, fresh, name); });
    setMayApprove(article, fresh.dataset.mayApprove === "1");
    if (article.dataset.revision === row.revision) return;  // we know this text (our own save)
    if (dirty && area.value !== theirs) {
      showConflict(article, { target: theirs, state: row.state, revision: row.revision });
      setStatus(article, t("Someone else saved this sentence while you were writing: merge and save."), true);
    } else {
      area.value = theirs;
      saved.set(area, theirs);
      setState(article, row.state, row.revision);
      hideConflict(article);
      article.classList.add("changed");
      setTimeout(function () { article.classList.remove("changed"); }, 2000);
    }
  }

  function applySummary(summary) {
    Object.keys(summary.counts).forEach(function (name) {
      var count = document.querySelector('[data-count="' + name + '"] .n');
      if (count) count.textContent = summary.counts[name];
    });
    var box = document.querySelector('[data-role="finish"]');
    if (box) {
      var wasDone = !!box.querySelector(".finish");
      box.innerHTML = "";
      box.appendChild(fragment(summary.finish));
      var heading = box.querySelector("#finish-title");
      if (summary.done && !wasDone && heading && !articleOf(document.activeElement)) heading.focus();
    }
    refreshPreview();
  }

  function applyClaims(claims) {
    articles().forEach(function (article) {
      var who = claims[article.dataset.id], label = article.querySelector(".claimed");
      if (!who) { if (label) label.remove(); return; }
      if (!label) {
        label = document.createElement("span");
        label.className = "claimed";
        article.querySelector(".seg-head").appendChild(label);
      }
      label.textContent = t("%s has this open", who);
    });
  }

  var pending = null;  // ids waiting for one fetch
  function fetchRows(ids) {
    if (!list.dataset.rows || !ids.length) return;
    var first = !pending;
    pending = pending || {};
    ids.forEach(function (id) { pending[id] = true; });
    if (!first) return;
    setTimeout(function () {
      var wanted = Object.keys(pending);
      pending = null;
      var url = list.dataset.rows + (list.dataset.rows.indexOf("?") < 0 ? "?" : "&") + "ids=" + encodeURIComponent(wanted.join(","));
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) {
          if (!body) return;
          body.rows.forEach(applyRow);
          applySummary(body.summary);
        }).catch(function () {});
    }, 50);
  }

  function note(text) {
    var box = document.querySelector('[data-role="live-note"]');
    if (!box) return;
    box.textContent = "";
    box.appendChild(document.createTextNode(text + " "));
    var link = document.createElement("a");
    link.href = location.href;
    link.textContent = t("Reload the page");
    box.appendChild(link);
    box.hidden = false;
  }

  function listen() {
    if (!window.EventSource || !list.dataset.live) return;
    var source = new EventSource(list.dataset.live + "?since=" + encodeURIComponent(list.dataset.since) +
                                 "&filter=" + encodeURIComponent(list.dataset.filter));
    function on(name, handle) {
      source.addEventListener(name, function (event) {
        try { handle(JSON.parse(event.data)); } catch (error) { if (window.console) console.error(error); }
      });
    }
    on("hello", function (body) {
      var stale = articles().filter(function (article) {
        var known = body.revisions[article.dataset.id];
        return known && known !== article.dataset.revision;
      }).map(function (article) { return article.dataset.id; });
      fetchRows(stale);
      applyClaims(body.claims);
      list.setAttribute("data-live-ready", "1");
    });
    on("segment", applyRow);
    on("summary", applySummary);
    on("claims", function (body) { applyClaims(body.claims); });
    on("reshaped", function () { note(t("Sentences were added to or removed from this statement.")); });
  }
  listen();

  // --- opening the page: focus, shortcuts, phone panels -------------------------------------------
  function firstNeedingWork() {
    var all = articles();
    for (var i = 0; i < all.length; i++) {
      if (NEEDS_WORK.indexOf(all[i].dataset.state) >= 0 && !all[i].querySelector(".claimed")) return all[i];
    }
    return null;
  }

  var shortcuts = document.querySelector('[data-role="shortcuts"]');
  if (shortcuts) {
    var KEY = "chorus-shortcuts";
    var remembered = null;
    try { remembered = localStorage.getItem(KEY); } catch (error) { /* storage off: stay closed */ }
    shortcuts.open = remembered === null || remembered === "open";  // open on the first visit only
    try { if (remembered === null) localStorage.setItem(KEY, "closed"); } catch (error) {}
    shortcuts.querySelector("summary").addEventListener("click", function () {  // the volunteer's choice
      try { localStorage.setItem(KEY, shortcuts.open ? "closed" : "open"); } catch (error) {}
    });
  }

  var phone = window.matchMedia && window.matchMedia("(max-width: 700px)").matches;
  if (phone) {  // one column: panels start closed, opened by a tap
    Array.prototype.forEach.call(document.querySelectorAll("details.suggestions, details.comments, details.preview"),
      function (panel) { panel.open = false; });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-action]");
    if (!button) return;
    if (button.dataset.action === "show-preview") {
      var preview = document.getElementById("preview");
      if (preview) preview.open = true;
    } else if (button.dataset.action === "copy-text") {
      var text = document.getElementById("finished-text"), status = document.querySelector('[data-role="copy-status"]');
      var done = function () { if (status) status.textContent = t("Copied"); };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text.value).then(done, function () {
          text.closest("details").open = true; text.select();
          if (status) status.textContent = t("Select the text and copy it");
        });
      } else { text.closest("details").open = true; text.select(); document.execCommand("copy"); done(); }
    }
  });

  if (location.hash.indexOf("#seg-") === 0) focusArticle(document.getElementById(location.hash.slice(1)));
  else if (!focusArticle(canEdit ? firstNeedingWork() : null)) {
    var heading = document.getElementById("finish-title");
    if (heading) heading.focus();
  }
})();
