#!/usr/bin/env node
// The tslab kernel, started with one fix: sends on each ZeroMQ socket are serialised.
//
// tslab 1.0.22 calls `socket.send()` without awaiting it. With zeromq 6, a second send on a socket
// whose previous send is still pending throws "Socket is busy writing" (EBUSY); once the WASM
// backend is loaded its uncaught-exception handler turns that into a kernel crash. It happens when
// a front end queues many cells at once (Run All) while a cell is streaming output. Chaining each
// socket's sends on a promise keeps their order and removes the race. kernel.json points here
// (environment/setup.sh registers it); everything else is tslab's own `main()`.
"use strict";
const zmq = require("zeromq");

// zeromq sockets are sealed objects, so the pending send of each socket is kept in a WeakMap.
const lastSend = new WeakMap();

for (const Cls of [zmq.Publisher, zmq.Router, zmq.Reply, zmq.Dealer]) {
  if (!Cls || Cls.prototype.__papersSerialisedSend) continue;
  const send = Cls.prototype.send;
  Object.defineProperty(Cls.prototype, "__papersSerialisedSend", { value: true });
  // zeromq defines `send` read-only on its Socket base class, so shadow it with defineProperty.
  Object.defineProperty(Cls.prototype, "send", {
    configurable: true,
    writable: true,
    value: function serialisedSend(message) {
      const previous = lastSend.get(this) || Promise.resolve();
      const next = previous.then(() => send.call(this, message));
      // A failed send must not block later ones; tslab never awaits the result anyway.
      lastSend.set(this, next.catch((err) => console.error("zeromq send failed:", err)));
      return next;
    },
  });
}

require("tslab/dist/main.js").main();
