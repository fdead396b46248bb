from ninja.security import HttpBearer, SessionAuth

from serviceeval.accounts.services import api_token_user


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = api_token_user(token)
        if user is not None:
            request.user = user
        return user


# Session (the signed-in browser, CSRF-checked for writes) or a bearer token.
API_AUTH = [SessionAuth(), BearerToken()]
