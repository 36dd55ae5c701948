//! A server-sent events decoder: bytes in, the `data` of each complete event out.
//! Lines are split on bytes (LF, CRLF), so a UTF-8 character split across network chunks
//! is reassembled before decoding.

#[derive(Debug, Default)]
pub(crate) struct SseDecoder {
    line: Vec<u8>,
    data: Option<String>,
}

impl SseDecoder {
    /// Feeds a chunk; returns the data of the events it completed.
    pub(crate) fn push(&mut self, chunk: &[u8]) -> Vec<String> {
        let mut events = Vec::new();
        for &byte in chunk {
            if byte == b'\n' {
                let line = std::mem::take(&mut self.line);
                if let Some(event) = self.line_done(&line) {
                    events.push(event);
                }
            } else {
                self.line.push(byte);
            }
        }
        events
    }

    /// The end of the stream: an event not closed by a blank line still counts.
    pub(crate) fn finish(&mut self) -> Option<String> {
        let line = std::mem::take(&mut self.line);
        let last = self.line_done(&line);
        last.or_else(|| self.data.take())
    }

    fn line_done(&mut self, line: &[u8]) -> Option<String> {
        let line = String::from_utf8_lossy(line.strip_suffix(b"\r").unwrap_or(line));
        if line.is_empty() {
            return self.data.take();
        }
        // Comments (":") and other fields (event, id, retry) carry nothing we use.
        if let Some(value) = line.strip_prefix("data:") {
            let value = value.strip_prefix(' ').unwrap_or(value);
            match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_across_chunks_and_utf8_boundaries() {
        let stream = "data: {\"a\":\"привет\"}\n\n: keep-alive\r\ndata:x\r\n\r\nevent: e\ndata: 1\ndata: 2\n\n";
        let bytes = stream.as_bytes();
        let mut decoder = SseDecoder::default();
        let mut events = Vec::new();
        // One byte at a time: every split point, including inside "привет".
        for b in bytes.chunks(1) {
            events.extend(decoder.push(b));
        }
        assert_eq!(events, ["{\"a\":\"привет\"}", "x", "1\n2"]);
        assert_eq!(decoder.finish(), None);
    }

    #[test]
    fn an_unterminated_last_event_is_flushed() {
        let mut decoder = SseDecoder::default();
        assert!(decoder.push(b"data: [DONE]").is_empty());
        assert_eq!(decoder.finish().as_deref(), Some("[DONE]"));
    }
}
