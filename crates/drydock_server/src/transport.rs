//! The base protocol over standard input and output: `Content-Length` framing, read
//! defensively.
//!
//! `lsp-server`'s own stdio transport stops the server on any body that is not a JSON-RPC
//! message and allocates whatever `Content-Length` says before reading a byte of the body. This
//! one answers a body that is not JSON with a parse error (`-32700`) and a JSON value that is
//! not a message with an invalid-request error (`-32600`), as JSON-RPC asks, and goes on
//! reading; it stops only when the framing itself is broken (a header line that is not
//! `Name: value`, a missing, unreadable or over-large `Content-Length`, a truncated body), since
//! nothing after that can be trusted. Header lines and bodies are bounded, so no input makes it
//! allocate more than [`MAX_CONTENT_LENGTH`] at a time.
//!
//! When the server stops (an `exit` notification, the client closing its end, the client
//! process dying), [`Stdio::finish`] lets the writer flush what is queued for at most a second
//! and never waits for the reader, which may be blocked on a standard input that nobody closes.

use std::io::{self, BufRead, Read, Write};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use lsp_server::{Connection, Message};
use serde_json::{Value, json};

/// The largest body accepted (64 MiB): a client announcing more has lost its framing.
pub const MAX_CONTENT_LENGTH: usize = 64 << 20;

/// The longest header line accepted.
const MAX_HEADER_LINE: usize = 8 << 10;

/// What one frame of input holds.
#[derive(Debug)]
pub enum Frame {
    /// A JSON-RPC message.
    Message(Message),
    /// A body that is not a message: the error response to send back (its `id` is the
    /// message's when one can be read, else `null`).
    Invalid(Value),
}

/// Why reading stopped for good.
#[derive(Debug)]
pub enum FramingError {
    /// A header line that is not `Name: value`, or too long.
    Header(String),
    /// No usable `Content-Length`.
    Length(String),
    /// The input ended inside a message.
    Truncated,
    /// Reading failed.
    Io(io::Error),
}

impl std::fmt::Display for FramingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Header(line) => write!(f, "malformed message header: {line}"),
            Self::Length(message) => f.write_str(message),
            Self::Truncated => f.write_str("the input ended inside a message"),
            Self::Io(e) => write!(f, "cannot read the client's messages: {e}"),
        }
    }
}

impl std::error::Error for FramingError {}

impl From<io::Error> for FramingError {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}

/// Reads one line of at most [`MAX_HEADER_LINE`] bytes, without its line ending (`\r\n`, or a
/// bare `\n`). `None` at the end of the input before any byte.
fn header_line(r: &mut dyn BufRead) -> Result<Option<Vec<u8>>, FramingError> {
    let mut line = Vec::new();
    loop {
        let available = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        if available.is_empty() {
            if line.is_empty() {
                return Ok(None);
            }
            return Err(FramingError::Truncated);
        }
        let (chunk, done) = match memchr(b'\n', available) {
            Some(i) => (&available[..=i], true),
            None => (available, false),
        };
        let n = chunk.len();
        if line.len() + n > MAX_HEADER_LINE {
            return Err(FramingError::Header(format!(
                "a header line longer than {MAX_HEADER_LINE} bytes"
            )));
        }
        line.extend_from_slice(chunk);
        r.consume(n);
        if done {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            return Ok(Some(line));
        }
    }
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

/// Reads the next frame. `Ok(None)`: the input ended cleanly between messages.
///
/// # Errors
/// The framing is broken; see [`FramingError`].
pub fn read_frame(r: &mut dyn BufRead) -> Result<Option<Frame>, FramingError> {
    let mut length: Option<usize> = None;
    let mut first = true;
    loop {
        let Some(line) = header_line(r)? else {
            if first {
                return Ok(None);
            }
            return Err(FramingError::Truncated);
        };
        first = false;
        if line.is_empty() {
            break;
        }
        let text = String::from_utf8_lossy(&line);
        let Some((name, value)) = text.split_once(':') else {
            let shown: String = text.chars().take(80).collect();
            return Err(FramingError::Header(format!("{shown:?}")));
        };
        if name.trim().eq_ignore_ascii_case("content-length") {
            let value = value.trim();
            let n = value.parse::<usize>().map_err(|_| {
                let shown: String = value.chars().take(40).collect();
                FramingError::Length(format!("Content-Length `{shown}` is not a number"))
            })?;
            if n > MAX_CONTENT_LENGTH {
                return Err(FramingError::Length(format!(
                    "Content-Length {n} is over the {MAX_CONTENT_LENGTH}-byte limit"
                )));
            }
            length = Some(n);
        }
    }
    let Some(length) = length else {
        return Err(FramingError::Length(
            "a message without a Content-Length header".to_owned(),
        ));
    };
    let mut body = Vec::with_capacity(length.min(1 << 20));
    let read = r.take(length as u64).read_to_end(&mut body)?;
    if read < length {
        return Err(FramingError::Truncated);
    }
    Ok(Some(decode(&body)))
}

/// Decodes a body: a message, or the error response JSON-RPC asks for.
#[must_use]
pub fn decode(body: &[u8]) -> Frame {
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(e) => return Frame::Invalid(error_response(&Value::Null, -32700, &e.to_string())),
    };
    let id = match value.get("id") {
        Some(id @ (Value::String(_) | Value::Number(_))) => id.clone(),
        _ => Value::Null,
    };
    match serde_json::from_value::<Message>(value) {
        Ok(message) => Frame::Message(message),
        Err(e) => Frame::Invalid(error_response(
            &id,
            -32600,
            &format!("not a JSON-RPC request, notification or response: {e}"),
        )),
    }
}

fn error_response(id: &Value, code: i32, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

/// Writes one framed body, header and body in one write (one system call on an unbuffered
/// output: the client wakes up once per message, never to a header without its body).
///
/// # Errors
/// Writing fails.
pub fn write_frame(w: &mut dyn Write, body: &[u8]) -> io::Result<()> {
    let mut frame = Vec::with_capacity(body.len() + 40);
    let _ = write!(frame, "Content-Length: {}\r\n\r\n", body.len());
    frame.extend_from_slice(body);
    w.write_all(&frame)?;
    w.flush()
}

/// Reads frames from `input` until it ends, the framing breaks or an `exit` notification
/// arrives: messages go to `messages`, error responses to `reply`. Returns why it stopped
/// (`Ok` for the end of the input or `exit`).
///
/// # Errors
/// The framing broke.
pub fn pump(
    input: &mut dyn BufRead,
    messages: &Sender<Message>,
    reply: &mut dyn FnMut(&Value),
) -> Result<(), FramingError> {
    while let Some(frame) = read_frame(input)? {
        match frame {
            Frame::Invalid(response) => reply(&response),
            Frame::Message(message) => {
                let exit = matches!(&message, Message::Notification(n) if n.method == "exit");
                if messages.send(message).is_err() || exit {
                    return Ok(());
                }
            }
        }
    }
    Ok(())
}

/// The threads of a stdio connection.
#[derive(Debug)]
pub struct Stdio {
    writer_done: Receiver<()>,
    reader_error: Receiver<FramingError>,
}

/// A connection over standard input and output ([`over`]).
#[must_use]
pub fn stdio() -> (Connection, TextOut, Stdio) {
    over(io::BufReader::new(io::stdin()), unbuffered_stdout())
}

/// Standard output as a file of its own (a duplicate of its descriptor) when it can be:
/// `io::stdout()` is line-buffered, so a frame written to it goes out as its header, then its
/// body.
#[cfg(unix)]
fn unbuffered_stdout() -> Box<dyn Write + Send> {
    use std::os::fd::AsFd;
    match io::stdout().as_fd().try_clone_to_owned() {
        Ok(fd) => Box::new(std::fs::File::from(fd)),
        Err(_) => Box::new(io::stdout()),
    }
}

#[cfg(not(unix))]
fn unbuffered_stdout() -> Box<dyn Write + Send> {
    Box::new(io::stdout())
}

/// Where the server's messages go as JSON text: each is written out, framed, by the thread that
/// sends it (a lint worker writes its findings itself, with no hand-over to a writer thread),
/// one whole frame at a time.
#[derive(Clone)]
pub struct TextOut(Arc<Mutex<dyn Write + Send>>);

impl std::fmt::Debug for TextOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TextOut")
    }
}

impl TextOut {
    /// Writes `body` as one frame; `false` when it cannot be written (the client is gone).
    #[must_use]
    pub fn send(&self, body: &[u8]) -> bool {
        let mut out = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        write_frame(&mut *out, body).is_ok()
    }
}

/// A connection reading framed messages from `input` and writing them to `output` (standard
/// input and output, or pipes in a benchmark). Messages to the client go either as values on
/// the connection, written by a thread of their own, or as JSON text through the [`TextOut`]
/// returned with it (see [`run_on_text`](crate::run_on_text)); the reader has its own thread.
#[must_use]
pub fn over(
    mut input: impl BufRead + Send + 'static,
    output: impl Write + Send + 'static,
) -> (Connection, TextOut, Stdio) {
    let (to_client, outgoing) = crossbeam_channel::bounded::<Message>(0);
    let (incoming_tx, incoming) = crossbeam_channel::bounded::<Message>(0);
    let (done_tx, writer_done) = crossbeam_channel::bounded::<()>(1);
    let (error_tx, reader_error) = crossbeam_channel::bounded::<FramingError>(1);
    // The writer, the reader (its error responses) and the senders of text all write, a frame
    // at a time.
    let output: Arc<Mutex<dyn Write + Send>> = Arc::new(Mutex::new(output));
    let writer_output = output.clone();
    let _ = thread::Builder::new()
        .name("drydock-lsp-writer".into())
        .spawn(move || {
            // (Once the client is gone, writing fails: messages go on being drained, so that
            // senders never block.)
            for message in outgoing {
                let mut out = writer_output.lock().unwrap_or_else(PoisonError::into_inner);
                let _ = message.write(&mut &mut *out);
            }
            let _ = done_tx.send(());
        });
    let reader_output = output.clone();
    let _ = thread::Builder::new()
        .name("drydock-lsp-reader".into())
        .spawn(move || {
            let mut reply = |response: &Value| {
                let body = response.to_string();
                let mut out = reader_output.lock().unwrap_or_else(PoisonError::into_inner);
                let _ = write_frame(&mut *out, body.as_bytes());
            };
            if let Err(e) = pump(&mut input, &incoming_tx, &mut reply) {
                let _ = error_tx.send(e);
            }
        });
    (
        Connection {
            sender: to_client,
            receiver: incoming,
        },
        TextOut(output),
        Stdio {
            writer_done,
            reader_error,
        },
    )
}

impl Stdio {
    /// After the server loop returned (and dropped its connection): waits up to a second for
    /// the writer to flush, then reports a broken framing, if that is why the loop ended.
    ///
    /// # Errors
    /// The client's framing broke.
    pub fn finish(self) -> Result<(), FramingError> {
        let _ = self.writer_done.recv_timeout(Duration::from_secs(1));
        match self.reader_error.try_recv() {
            Ok(e) => Err(e),
            Err(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> (Vec<String>, Option<String>) {
        let mut r = input;
        let mut out = Vec::new();
        loop {
            match read_frame(&mut r) {
                Ok(None) => return (out, None),
                Ok(Some(Frame::Message(m))) => out.push(format!("{m:?}")),
                Ok(Some(Frame::Invalid(v))) => out.push(format!("invalid {}", v["error"]["code"])),
                Err(e) => return (out, Some(e.to_string())),
            }
        }
    }

    #[test]
    fn framing() {
        let ok = b"Content-Length: 40\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"initialized\"}";
        let (got, err) = frames(ok);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(err, None);
        // Lenient: bare `\n`, other headers, any case.
        let (got, err) =
            frames(b"content-length:2\nContent-Type: x\n\n{}Content-Length: 3\r\n\r\nnot");
        assert_eq!(got, ["invalid -32600", "invalid -32700"]);
        assert_eq!(err, None);
        for (input, expected) in [
            (
                &b"Content-Length 2\r\n\r\n{}"[..],
                "malformed message header",
            ),
            (b"Content-Length: x\r\n\r\n{}", "is not a number"),
            (b"Content-Length: 99999999999999\r\n\r\n", "over the"),
            (
                b"Content-Length: 18446744073709551616\r\n\r\n",
                "is not a number",
            ),
            (b"X: y\r\n\r\n{}", "without a Content-Length"),
            (b"Content-Length: 10\r\n\r\n{}", "ended inside"),
            (b"Content-Length: 10\r\n", "ended inside"),
        ] {
            let (_, err) = frames(input);
            assert!(
                err.as_deref().is_some_and(|e| e.contains(expected)),
                "{err:?} for {:?}",
                String::from_utf8_lossy(input)
            );
        }
        let long = vec![b'a'; MAX_HEADER_LINE + 10];
        assert!(frames(&long).1.is_some_and(|e| e.contains("longer than")));
    }

    #[test]
    fn invalid_bodies_keep_their_id() {
        let Frame::Invalid(v) = decode(br#"{"id": 7, "method": 3}"#) else {
            panic!("invalid")
        };
        assert_eq!(v["id"], 7);
        assert_eq!(v["error"]["code"], -32600);
        let Frame::Invalid(v) = decode(br#"{"id": 1.5, "result": 1}"#) else {
            panic!("invalid")
        };
        assert_eq!(v["id"], 1.5);
        let Frame::Invalid(v) = decode(b"[1, 2]") else {
            panic!("invalid")
        };
        assert_eq!(v["id"], Value::Null);
        assert!(matches!(decode(b"\xff"), Frame::Invalid(_)));
    }

    /// A frame is one write: the client never wakes up to a header without its body.
    #[test]
    fn a_frame_is_one_write() {
        struct Writes(Vec<Vec<u8>>);
        impl Write for Writes {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                self.0.push(buf.to_vec());
                Ok(buf.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut out = Writes(Vec::new());
        write_frame(&mut out, b"{\"jsonrpc\":\"2.0\"}").expect("written");
        assert_eq!(
            out.0,
            [b"Content-Length: 17\r\n\r\n{\"jsonrpc\":\"2.0\"}".to_vec()]
        );
    }
}
