// localStorage that never throws: storage can be disabled, full, or blocked
// for third-party frames, and the widget must keep working (without memory).

const PREFIX = 'switchboard:';

export function load(key) {
  try {
    return window.localStorage.getItem(PREFIX + key);
  } catch {
    return null;
  }
}

export function save(key, value) {
  try {
    if (value == null) window.localStorage.removeItem(PREFIX + key);
    else window.localStorage.setItem(PREFIX + key, value);
  } catch {
    /* storage unavailable: the visitor simply gets a new identity next time */
  }
}
