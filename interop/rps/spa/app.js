// A browser application on another origin, using oidc-client-ts unmodified: code + PKCE from the browser,
// refresh and revocation by cross-origin fetch. The driver calls window.spa.* through the page.
(function () {
  const params = new URLSearchParams(location.hash.slice(1) || sessionStorage.getItem('spa-config') || '');
  if (location.hash) sessionStorage.setItem('spa-config', location.hash.slice(1));
  const mgr = new oidc.UserManager({
    authority: params.get('issuer'),
    client_id: params.get('client_id'),
    redirect_uri: `${location.origin}/callback.html`,
    post_logout_redirect_uri: `${location.origin}/index.html`,
    response_type: 'code',
    scope: 'openid profile email offline_access',
    loadUserInfo: true,
    automaticSilentRenew: false,
    revokeTokensOnSignout: true,
    userStore: new oidc.WebStorageStateStore({ store: window.sessionStorage }),
  });
  const view = (u) =>
    u && { sub: u.profile.sub, acr: u.profile.acr, email: u.profile.email, access_token: u.access_token, refresh_token: u.refresh_token };
  window.spa = {
    login: () => mgr.signinRedirect(),
    callback: async () => view(await mgr.signinRedirectCallback()),
    user: async () => view(await mgr.getUser()),
    refresh: async () => view(await mgr.signinSilent()),
    revoke: async () => {
      await mgr.revokeTokens(['access_token', 'refresh_token']);
      return 'revoked';
    },
  };
})();
