// Chorus review page: the suggestions panel (templates/_suggestions.html).
// "Suggestions from engines" (or Alt+M in a segment) asks the API for each engine's proposal;
// Alt+1 … Alt+9 (or "Use") puts proposal n in the segment's field, unsaved. Without this file
// the link opens the page with the panel filled in, and "Use" opens it with the field filled.
(function () {
  "use strict";
  var list = document.getElementById("segments");
  if (!list) return;
  var loaded = {};  // segment id -> the API's answer
  var t = window.chorusText || function (text) { return text; };  // ui.js: the page's language

  function articleOf(node) { return node && node.closest ? node.closest("article.seg") : null; }
  function panelOf(article) { return article.querySelector('[data-role="engine-suggestions"]'); }
  function part(article, role) { return article.querySelector('[data-role="' + role + '"]'); }
  function field(article) { return article.querySelector("textarea[name=target]"); }

  function announce(article, text) {
    var status = part(article, "proposal-status");
    if (status) status.textContent = text;
  }

  function useHref(article, number) {
    var url = new URL(part(article, "engine-suggestions").querySelector('[data-action="suggest"]').href);
    url.searchParams.set("use", String(number));
    return url.pathname + url.search + url.hash;
  }

  function render(article, answer) {
    var box = part(article, "proposals"), area = field(article);
    var editable = area && !area.readOnly;
    var ol = document.createElement("ol");
    ol.className = "proposal-list";
    var number = 0;
    answer.suggestions.forEach(function (proposal) {
      var li = document.createElement("li");
      li.className = "proposal";
      li.dataset.engine = proposal.engine;
      if (!proposal.text) {
        li.className += " proposal-error";
        li.textContent = proposal.error || t("%s: no proposal", proposal.engine);
        ol.appendChild(li);
        return;
      }
      number += 1;
      var key = document.createElement("span");
      key.className = "proposal-key";
      key.setAttribute("aria-hidden", "true");
      key.textContent = number <= 9 ? String(number) : "";
      var origin = document.createElement("span");
      origin.className = "proposal-origin";
      origin.textContent = proposal.origin;
      li.appendChild(key);
      li.appendChild(origin);
      if (proposal.source) {
        var source = document.createElement("span");
        source.className = "proposal-source";
        source.textContent = proposal.source;
        li.appendChild(source);
      }
      var text = document.createElement("span");
      text.className = "proposal-text";
      text.dataset.role = "proposal";
      text.textContent = proposal.text;
      if (area) { text.lang = area.lang; text.dir = area.dir; }
      li.appendChild(text);
      if (editable && number <= 9) {
        var use = document.createElement("a");
        use.className = "link";
        use.dataset.action = "use-proposal";
        use.dataset.number = String(number);
        use.setAttribute("aria-keyshortcuts", "Alt+" + number);
        use.href = useHref(article, number);
        use.textContent = t("Use");
        var hidden = document.createElement("span");
        hidden.className = "visually-hidden";
        hidden.textContent = " " + t("suggestion %s (%s)", number, proposal.origin);
        use.appendChild(hidden);
        li.appendChild(use);
      }
      ol.appendChild(li);
    });
    box.textContent = "";
    box.appendChild(ol);
    return number;
  }

  function show(article, open) {
    var box = part(article, "proposals");
    box.hidden = !open;
    panelOf(article).querySelector('[data-action="suggest"]').setAttribute("aria-expanded", open ? "true" : "false");
  }

  // The panel's proposals, asked once per page (the server keeps them too).
  function load(article) {
    var id = article.dataset.id;
    if (loaded[id]) return Promise.resolve(loaded[id]);
    var box = part(article, "proposals");
    if (box.querySelector(".proposal")) return Promise.resolve(null);  // rendered by the server
    box.textContent = "";
    box.classList.add("loading");
    show(article, true);
    announce(article, t("Asking the engines…"));
    return fetch(panelOf(article).dataset.url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (!response.ok) throw new Error(body.message || ("HTTP " + response.status));
          return body;
        });
      })
      .then(function (body) {
        loaded[id] = body;
        var count = render(article, body);
        announce(article, count === 1 ? t("1 suggestion") : count ? t("%s suggestions", count) : t("No suggestions"));
        return body;
      })
      .catch(function (error) {
        box.textContent = t("Suggestions cannot be loaded: %s", error.message);
        announce(article, box.textContent);
        return null;
      })
      .then(function (body) { box.classList.remove("loading"); return body; });
  }

  function toggle(article) {
    var box = part(article, "proposals");
    if (!box.hidden && box.childNodes.length) { show(article, false); return Promise.resolve(null); }
    show(article, true);
    return load(article);
  }

  function insert(article, number) {
    var link = part(article, "proposals").querySelector('[data-action="use-proposal"][data-number="' + number + '"]');
    var area = field(article);
    if (!link || !area || area.readOnly) return false;
    var item = link.closest("li");
    area.value = item.querySelector('[data-role="proposal"]').textContent;
    area.dispatchEvent(new Event("input", { bubbles: true }));
    area.focus({ preventScroll: true });
    area.setSelectionRange(area.value.length, area.value.length);
    announce(article, t("Suggestion %s (%s) is in the field, not saved yet", number,
                        item.querySelector(".proposal-origin").textContent));
    return true;
  }

  list.addEventListener("click", function (event) {
    var link = event.target.closest('a[data-action="suggest"], a[data-action="use-proposal"]');
    if (!link || !list.contains(link)) return;
    var article = articleOf(link);
    event.preventDefault();
    if (link.dataset.action === "suggest") toggle(article);
    else insert(article, link.dataset.number);
  });

  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey) return;
    var article = articleOf(document.activeElement);
    if (!article || !list.contains(article)) return;
    var digit = /^Digit([1-9])$/.exec(event.code || "");
    if (event.code === "KeyM") {
      event.preventDefault();
      show(article, true);
      load(article);
    } else if (digit) {
      event.preventDefault();
      var number = digit[1];
      show(article, true);
      load(article).then(function () {
        if (!insert(article, number)) announce(article, t("There is no suggestion %s here", number));
      });
    }
  });
})();
