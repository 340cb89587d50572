/* Inviting people (coordinators): a new invite's link and QR code to send in a chat (shown
   this once), and the invites sent, with who joined through each; revoking one ends it for
   everyone who has not joined yet. */
import { api } from "./api.js";
import { deskWrite, fail } from "./desk-talk.js";
import { button, byId, el } from "./dom.js";
import { LANG, T } from "./i18n.js";

var W = T.invite_form;

export function start() {
  var form = byId("invite-form");
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var body = { name: byId("invite-name").value.trim(), role: byId("invite-role").value,
      expires_hours: Number(byId("invite-hours").value), uses: Number(byId("invite-uses").value) };
    deskWrite("POST", "/api/v1/invites", body).then(function (a) { made(a.body); list(); form.reset(); })
      .catch(function (e) { byId("invite-made").replaceChildren(el("p", { class: "failed", role: "alert", text: e.message })); });
  });
  list();
}

function made(invite) {
  var copy = button(W.copy, function () {
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(invite.url).then(function () { copy.textContent = W.copied; });
  });
  byId("invite-made").replaceChildren(
    el("p", { class: "done", text: W.link }),
    el("p", {}, [el("a", { href: invite.url, text: invite.url })]),
    el("img", { src: invite.qr_svg, alt: "QR", width: "200", height: "200" }),
    copy,
  );
}

function list() {
  api("/api/v1/invites").then(function (invites) {
    byId("invites").replaceChildren.apply(byId("invites"), invites.map(function (i) {
      var until = new Date(i.expires_at).toLocaleString(LANG === "en" ? "en" : "zh-CN", { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
      var li = el("li", {}, [
        el("strong", { text: i.name }), el("span", { text: " · " + T.roles[i.role] + " · " + (W.states[i.state] || i.state) }),
        el("div", { class: "muted", text: until + " · " + W.joined.replace("{n}", i.joined.length) + " · " + i.uses + "/" + i.max_uses }),
      ]);
      if (i.state === "usable") li.appendChild(button(W.revoke, function () {
        deskWrite("DELETE", "/api/v1/invites/" + i.id).then(list).catch(fail);
      }));
      return li;
    }));
  }).catch(fail);
}
