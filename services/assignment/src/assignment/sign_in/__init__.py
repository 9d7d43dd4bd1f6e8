"""How clients sign in: a pasted token (development) or the identity provider's login (OIDC
Authorization Code with PKCE), published without authentication so the console can show the right
sign-in screen."""
