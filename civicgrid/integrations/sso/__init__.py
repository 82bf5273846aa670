"""Single sign-on (一次登录、多系统通行).

* The platform is an OpenID Connect provider for departmental systems (django-oauth-toolkit):
  ``provider_urls`` exposes only the protocol endpoints, ``validators`` the claims, ``views`` the
  staff-only consent page.
* Staff may sign in through an upstream government identity provider (mozilla-django-oidc):
  ``backends`` matches the upstream account to an existing staff account, ``views`` the callback.
"""
