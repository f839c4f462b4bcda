// A real, OpenID Certified provider for the single sign-on journeys: the `oidc-provider` package with its
// development login pages (any login, any password), one confidential client for Kindling that must use
// PKCE, and accounts whose email is their login. Started by playwright.config.js beside Kindling.
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT || 18090);
const kindling = process.env.KINDLING_SSO_URL || 'http://127.0.0.1:18082';
const issuer = `http://127.0.0.1:${port}`;

function nameFrom(login) {
  return login.split('@')[0].split(/[._-]/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' ');
}

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'kindling-e2e',
    client_secret: 'e2e-client-secret',
    redirect_uris: [`${kindling}/sign-in/sso/callback`],
    post_logout_redirect_uris: [`${kindling}/sign-in`],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true },
  cookies: { keys: ['kindling-e2e-cookie-key'] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  async findAccount(ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return { sub, email: sub, email_verified: true, name: nameFrom(sub) };
      },
    };
  },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
});
provider.proxy = false;
provider.listen(port, '127.0.0.1', () => {
  // eslint-disable-next-line no-console
  console.log(`oidc-provider listening on ${issuer}`);
});
