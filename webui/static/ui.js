// Chorus: the page scripts' text in the page's language. The page carries its translations in
// <script type="application/json" id="ui-messages"> (English wording → translation);
// chorusText("Not saved (%s)", 409) fills each %s in turn. Untranslated text stays English.
(function () {
  "use strict";
  var messages = {};
  var block = document.getElementById("ui-messages");
  try { messages = JSON.parse(block ? block.textContent : "{}"); } catch (error) { messages = {}; }
  window.chorusText = function (text) {
    var shown = Object.prototype.hasOwnProperty.call(messages, text) ? messages[text] : text;
    var values = Array.prototype.slice.call(arguments, 1);
    return shown.replace(/%s/g, function () { return values.length ? String(values.shift()) : "%s"; });
  };
})();
