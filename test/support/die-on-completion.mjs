// Preloaded into the example worker (`NODE_OPTIONS=--import=<this file>` with dist/src/worker.js; the
// package name reaches the same built library the worker imports):
// the process SIGKILLs itself the instant an execution's completion is published, that is right
// after the terminal commit and before anything settles its consequences (the settlement starts
// in a setImmediate after the event). A crash in the one window DESIGN rule 2 is about.
import 'reflect-metadata';
import { ExecutionEventName, ExecutionEvents } from 'nestjs-agents';

const publish = ExecutionEvents.prototype.publish;
ExecutionEvents.prototype.publish = function (event) {
  if (event.name === ExecutionEventName.StatusChanged && event.status === 'completed') process.kill(process.pid, 'SIGKILL');
  return publish.call(this, event);
};
