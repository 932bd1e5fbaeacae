#!/bin/sh
# What mod_auth_openidc handed the application: its OIDC_* environment and the OIDC_* request headers.
printf 'Content-Type: text/plain\r\nCache-Control: no-store\r\n\r\n'
env | grep -E '^(OIDC_|HTTP_OIDC_|REMOTE_USER=)' | sort
