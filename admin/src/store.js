// The panel's state and a topic-based change feed. Views subscribe to the topics
// they draw ("queue", "chats", "chat:<id>", "call", ...) and redraw only those.

export class Store {
  constructor(initial) {
    this.state = initial;
    this.listeners = new Map();
  }

  on(topic, fn) {
    if (!this.listeners.has(topic)) this.listeners.set(topic, new Set());
    this.listeners.get(topic).add(fn);
    return () => this.listeners.get(topic)?.delete(fn);
  }

  /** Tell subscribers of each topic (and of "*") that something changed. */
  emit(...topics) {
    for (const topic of topics) {
      for (const fn of [...(this.listeners.get(topic) || [])]) fn(this.state);
    }
    for (const fn of [...(this.listeners.get('*') || [])]) fn(this.state, topics);
  }

  /** Shallow-merge into the state, then emit the topics. */
  set(patch, ...topics) {
    Object.assign(this.state, patch);
    this.emit(...topics);
  }
}

export function initialState() {
  return {
    me: null, // manager object
    token: null,
    iceServers: [],
    connection: 'connecting', // connecting | online | offline
    presence: 'online', // online | away
    queue: [], // QueueEntry[], oldest first
    stats: { waiting: 0, online_managers: 0, active_sessions: 0 },
    chats: new Map(), // session id -> Chat (see chats.js)
    current: null, // session id shown in the main pane
    route: 'inbox', // inbox | team | settings | faq
    call: null, // see call.js
    incoming: null, // Call object ringing for us
  };
}
