/* The page's words and settings, as the server rendered them into the page
   (<script type="application/json" id="aidmap-config">: app/web/page.py), and the words
   made of numbers: ages and distances. */

export var config = JSON.parse(document.getElementById("aidmap-config").textContent);
export var T = config.strings;
export var LANG = config.lang;

export function ago(seconds) {
  if (seconds === null || seconds === undefined) return T.never_reported;
  if (seconds < 60) return T.just_now;
  if (seconds < 3600) return T.ago_minutes.replace("{n}", Math.floor(seconds / 60));
  if (seconds < 86400) return T.ago_hours.replace("{n}", Math.floor(seconds / 3600));
  return T.ago_days.replace("{n}", Math.floor(seconds / 86400));
}

/* A template's {placeholders} from values in one pass: a value is put as it is (String's
   replace() read "$&" or "$'" in a name as patterns, and a value holding "{ago}" was filled
   in again by the next replace). */
export function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, function (whole, key) {
    return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
  });
}

export function metres(m) { return m < 1000 ? Math.round(m) + " m" : (m / 1000).toFixed(1) + " km"; }
