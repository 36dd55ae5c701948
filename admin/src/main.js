// Production entry: the panel against the server it was loaded from.

import { io } from 'socket.io-client';
import { boot } from './app.js';
import { httpTransport } from './api.js';

const origin = location.origin;

boot(document.getElementById('app'), {
  request: httpTransport(origin),
  socket: (namespace, token) => io(origin + namespace, {
    path: '/socket.io/',
    auth: { token },
    autoConnect: false,
    // Websocket first; long-polling if a proxy refuses the upgrade.
    transports: ['websocket', 'polling'],
    tryAllTransports: true,
    reconnectionDelayMax: 5000,
  }),
});
