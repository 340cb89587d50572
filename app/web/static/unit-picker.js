/* Districts → streets → committees as <select>s filled from GET /api/v1/units: the map's
   "pick the street and committee" under an address known only to its district, and the
   help form's "where". */
import { api } from "./api.js";
import { el } from "./dom.js";

export var LEVELS = ["district", "street", "committee"];

/* the units of a level (under parentId, when given) */
export function unitsUnder(level, parentId) {
  var path = "/api/v1/units?limit=1000&level=" + level;
  return api(parentId ? path + "&parent_id=" + parentId : path);
}

/* list as options after the select's first (empty) one; the unit named chosen, if there
   is one, selected and returned */
export function fillUnits(select, list, chosen) {
  list.forEach(function (u) { select.appendChild(el("option", { value: String(u.id), text: u.name })); });
  var hit = list.find(function (u) { return u.name === chosen; });
  if (hit) select.value = String(hit.id);
  return hit;
}

function reset(select) {
  while (select.options.length > 1) select.remove(1);
  select.value = "";
  select.disabled = true;
}

/* selects: the page's [district, street, committee]; each level loads when its parent is
   chosen (an answer for a parent chosen since is dropped), and choosing again clears the
   levels below. load() fills the districts (once); chosen() is the finest unit picked,
   { id, level }, or null. */
export function cascade(selects, onChange) {
  var districts = null;
  selects.forEach(function (select, i) {
    var next = selects[i + 1];
    select.addEventListener("change", function () {
      selects.slice(i + 1).forEach(reset);
      var parent = select.value;
      if (next && parent) unitsUnder(LEVELS[i + 1], parent).then(function (list) {
        if (select.value !== parent) return;
        fillUnits(next, list);
        next.disabled = !list.length;
      }).catch(function () {});
      if (onChange) onChange();
    });
  });
  return {
    load: function () {
      if (!districts) districts = unitsUnder("district").then(function (list) { fillUnits(selects[0], list); })
        .catch(function (e) { districts = null; throw e; });
      return districts;
    },
    chosen: function () {
      for (var i = selects.length - 1; i >= 0; i--) {
        if (selects[i].value) return { id: Number(selects[i].value), level: LEVELS[i] };
      }
      return null;
    },
  };
}
