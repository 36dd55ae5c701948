// Message text as DOM nodes: plain text nodes, with http(s) URLs turned into
// links. Nothing is parsed as HTML, and a link is made only when the URL
// parses and its scheme is http or https (so never javascript: or data:).

const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
// Punctuation that usually ends a sentence rather than the URL.
const TRAILING = /[.,;:!?)\]}»"'…]+$/;

export function safeHref(raw) {
  try {
    const u = new URL(raw);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

export function linkify(text) {
  const frag = document.createDocumentFragment();
  const s = String(text ?? '');
  let last = 0;
  for (const m of s.matchAll(URL_RE)) {
    let url = m[0];
    const trail = url.match(TRAILING);
    // Keep a closing bracket that balances an opening one inside the URL.
    if (trail && !(trail[0] === ')' && url.includes('('))) url = url.slice(0, -trail[0].length);
    const href = safeHref(url);
    if (!href) continue;
    if (m.index > last) frag.appendChild(document.createTextNode(s.slice(last, m.index)));
    const a = document.createElement('a');
    a.href = href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer nofollow';
    a.textContent = url;
    frag.appendChild(a);
    last = m.index + url.length;
  }
  if (last < s.length) frag.appendChild(document.createTextNode(s.slice(last)));
  return frag;
}
