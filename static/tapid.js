// tapid: the one small script. Pages work without it except the WebAuthn ceremonies.
//
// Elements it looks for (data-* attributes carry the endpoints and the CSRF token):
//   #passkey-discoverable  on /login: passkey autofill (conditional mediation) and a "Use a passkey" button
//   #passkey-signin        on /login/methods: passkey sign-in for the username typed
//   #passkey-register      on /security-info pages: "Add a passkey"
"use strict";

(function () {
  // --- base64url <-> ArrayBuffer -------------------------------------------------------------
  function fromB64u(text) {
    var s = text.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var binary = atob(s);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  function toB64u(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // --- talking to tapid ------------------------------------------------------------------------
  async function post(url, csrf, body) {
    var response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body || {}),
    });
    var data = {};
    try { data = await response.json(); } catch (e) { /* not JSON */ }
    if (!response.ok) {
      var failure = new Error(data.message || "Something went wrong. Please try again.");
      failure.status = response.status;
      throw failure;
    }
    return data;
  }

  function showError(message) {
    var box = document.getElementById("passkey-error");
    if (!box) return;
    box.textContent = message;
    box.hidden = false;
  }

  function clearError() {
    var box = document.getElementById("passkey-error");
    if (box) { box.hidden = true; box.textContent = ""; }
  }

  function userMessage(error) {
    if (error && (error.name === "NotAllowedError" || error.name === "AbortError")) {
      return "The passkey request was cancelled or timed out. Try again, or choose another way.";
    }
    if (error && error.name === "InvalidStateError") {
      return "This passkey is already registered.";
    }
    return (error && error.message) || "Something went wrong. Please try again.";
  }

  // --- WebAuthn option and result encoding -----------------------------------------------------
  function requestOptions(options) {
    var pk = options.publicKey;
    pk.challenge = fromB64u(pk.challenge);
    if (pk.allowCredentials) {
      pk.allowCredentials = pk.allowCredentials.map(function (c) {
        return Object.assign({}, c, { id: fromB64u(c.id) });
      });
    }
    return pk;
  }

  function creationOptions(options) {
    var pk = options.publicKey;
    pk.challenge = fromB64u(pk.challenge);
    pk.user.id = fromB64u(pk.user.id);
    if (pk.excludeCredentials) {
      pk.excludeCredentials = pk.excludeCredentials.map(function (c) {
        return Object.assign({}, c, { id: fromB64u(c.id) });
      });
    }
    return pk;
  }

  function extensions(credential) {
    try { return credential.getClientExtensionResults() || {}; } catch (e) { return {}; }
  }

  function assertionJson(credential) {
    var r = credential.response;
    return {
      id: credential.id,
      rawId: toB64u(credential.rawId),
      type: credential.type,
      response: {
        authenticatorData: toB64u(r.authenticatorData),
        clientDataJSON: toB64u(r.clientDataJSON),
        signature: toB64u(r.signature),
        userHandle: r.userHandle ? toB64u(r.userHandle) : null,
      },
      extensions: extensions(credential),
    };
  }

  function attestationJson(credential) {
    var r = credential.response;
    var result = {
      id: credential.id,
      rawId: toB64u(credential.rawId),
      type: credential.type,
      response: {
        attestationObject: toB64u(r.attestationObject),
        clientDataJSON: toB64u(r.clientDataJSON),
      },
      extensions: extensions(credential),
    };
    if (typeof r.getTransports === "function") result.response.transports = r.getTransports();
    return result;
  }

  function supported() {
    return typeof window.PublicKeyCredential === "function" && navigator.credentials;
  }

  // --- sign-in -----------------------------------------------------------------------------------
  async function signIn(box, mode, mediation, signal) {
    var d = box.dataset;
    var options = await post(d.begin, d.csrf, { mode: mode });
    var request = { publicKey: requestOptions(options) };
    if (mediation) request.mediation = mediation;
    if (signal) request.signal = signal;
    var credential = await navigator.credentials.get(request);
    if (!credential) throw new Error("No passkey was chosen.");
    var result = await post(d.finish, d.csrf, {
      credential: assertionJson(credential),
      return_to: d.returnTo || null,
      level: d.level || null,
    });
    window.location.assign(result.redirect);
  }

  // /login: passkey autofill on the username field, and a button for a passkey without a username.
  function setUpDiscoverable(box) {
    if (!supported()) return;
    box.hidden = false;
    var controller = null;

    async function autofill() {
      if (!PublicKeyCredential.isConditionalMediationAvailable) return;
      if (!(await PublicKeyCredential.isConditionalMediationAvailable())) return;
      controller = new AbortController();
      try {
        await signIn(box, "discoverable", "conditional", controller.signal);
      } catch (error) {
        if (error && error.name !== "AbortError") showError(userMessage(error));
      }
    }

    var form = document.getElementById("username-form");
    if (form) form.addEventListener("submit", function () { if (controller) controller.abort(); });

    var button = document.getElementById("passkey-button");
    if (button) {
      button.addEventListener("click", async function () {
        clearError();
        if (controller) controller.abort();
        try {
          await signIn(box, "discoverable", null, null);
        } catch (error) {
          showError(userMessage(error));
        }
      });
    }
    autofill();
  }

  // /login/methods: a passkey for the username typed.
  function setUpUsernameSignIn(box) {
    var button = document.getElementById("passkey-button");
    if (!button) return;
    if (!supported()) { button.disabled = true; return; }
    button.addEventListener("click", async function () {
      clearError();
      button.disabled = true;
      try {
        await signIn(box, "username", null, null);
      } catch (error) {
        showError(userMessage(error));
      } finally {
        button.disabled = false;
      }
    });
  }

  // --- registration ------------------------------------------------------------------------------
  function setUpRegistration(box) {
    var button = document.getElementById("add-passkey");
    if (!button) return;
    if (!supported()) { button.disabled = true; return; }
    button.addEventListener("click", async function () {
      clearError();
      button.disabled = true;
      try {
        var d = box.dataset;
        var options = await post(d.begin, d.csrf, {});
        var credential = await navigator.credentials.create({ publicKey: creationOptions(options) });
        if (!credential) throw new Error("No passkey was created.");
        // No name is asked for first: the server names it after the authenticator or this browser.
        var result = await post(d.finish, d.csrf, {
          credential: attestationJson(credential),
          return_to: d.returnTo || null,
          level: d.level || null,
        });
        window.location.assign(result.redirect);
      } catch (error) {
        // The session ended (the setup window is over, or a sign-out elsewhere): say so in plain words.
        var over = document.getElementById("window-over");
        if (error && error.status === 401 && over) {
          over.hidden = false;
          var choices = document.getElementById("setup-choices");
          if (choices) choices.hidden = true;
          clearError();
        } else {
          showError(userMessage(error));
        }
      } finally {
        button.disabled = false;
      }
    });
  }

  function start() {
    var discoverable = document.getElementById("passkey-discoverable");
    if (discoverable) setUpDiscoverable(discoverable);
    var withUsername = document.getElementById("passkey-signin");
    if (withUsername) setUpUsernameSignIn(withUsername);
    var register = document.getElementById("passkey-register");
    if (register) setUpRegistration(register);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

// Copy buttons (admin console): <button class="copy" data-copy="text" data-copied="Copied">.
document.querySelectorAll("button.copy[data-copy]").forEach((button) => {
  button.addEventListener("click", async () => {
    const label = button.textContent;
    try {
      await navigator.clipboard.writeText(button.dataset.copy);
      button.textContent = button.dataset.copied || "Copied";
    } catch (_) {
      button.textContent = "Select the text and copy it";
    }
    setTimeout(() => { button.textContent = label; }, 2000);
  });
});
