// tapid: the one small script. Pages work without it except the WebAuthn ceremonies.
"use strict";
