//! The HTTP/1.1 side: one request per connection, read with bounds and
//! answered with `connection: close`. Enough for the example's routes,
//! not a general-purpose server.
//!
//! * The head is at most [`MAX_HEAD`] bytes; head and body together must
//!   arrive within [`READ_DEADLINE`] (a slow client cannot hold a worker).
//! * A body is read only as long as its `Content-Length` says, and at most
//!   [`MAX_BODY`] bytes (413 beyond). No `Content-Length` means no body;
//!   `Transfer-Encoding` (chunked) is not supported: 411.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

use sesame_core::response::json_response;

/// The largest request head accepted.
pub const MAX_HEAD: usize = 16 * 1024;
/// The largest request body accepted (the back-channel logout form's limit).
pub const MAX_BODY: usize = sesame_core::session::MAX_LOGOUT_BODY;
/// How long a client has to send its whole request.
pub const READ_DEADLINE: Duration = Duration::from_secs(10);
/// How long writing the answer may take.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// Why no request could be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadError {
    /// The client went away (nothing to answer).
    Closed,
    /// The client was too slow: 408.
    Timeout,
    /// Not a request we understand: 400.
    Malformed,
    /// The head is too large: 431.
    HeadTooLarge,
    /// The body is over [`MAX_BODY`]: 413.
    BodyTooLarge,
    /// A body without `Content-Length` (chunked): 411.
    LengthRequired,
}

impl ReadError {
    /// The answer, if the client is still there to get one.
    pub fn to_response(self) -> Option<http::Response<Vec<u8>>> {
        let (status, code, description) = match self {
            ReadError::Closed => return None,
            ReadError::Timeout => (408, "request_timeout", "the request took too long"),
            ReadError::Malformed => (400, "invalid_request", "malformed HTTP request"),
            ReadError::HeadTooLarge => (431, "invalid_request", "request head too large"),
            ReadError::BodyTooLarge => (413, "invalid_request", "request body too large"),
            ReadError::LengthRequired => (
                411,
                "invalid_request",
                "a body needs Content-Length (chunked is not supported)",
            ),
        };
        Some(json_response(
            status,
            &serde_json::json!({"error": code, "error_description": description}),
        ))
    }
}

/// One bounded read before `deadline`.
fn read_some(
    stream: &mut TcpStream,
    buf: &mut [u8],
    deadline: Instant,
) -> Result<usize, ReadError> {
    loop {
        let left = deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or(ReadError::Timeout)?;
        stream
            .set_read_timeout(Some(left))
            .map_err(|_| ReadError::Closed)?;
        match stream.read(buf) {
            Ok(0) => return Err(ReadError::Closed),
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err(ReadError::Timeout)
            }
            Err(_) => return Err(ReadError::Closed),
        }
    }
}

/// How long the body is, from the head: `Content-Length` (all copies equal,
/// digits only), none without it; `Transfer-Encoding` is refused.
fn body_length(headers: &http::HeaderMap) -> Result<usize, ReadError> {
    let has_te = headers.contains_key(http::header::TRANSFER_ENCODING);
    let mut length: Option<usize> = None;
    for value in headers.get_all(http::header::CONTENT_LENGTH) {
        let text = value.to_str().map_err(|_| ReadError::Malformed)?.trim();
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ReadError::Malformed);
        }
        // Over the limit whatever its exact value (and no overflow).
        let n = if text.len() > 12 {
            usize::MAX
        } else {
            text.parse().map_err(|_| ReadError::Malformed)?
        };
        if length.is_some_and(|l| l != n) {
            return Err(ReadError::Malformed);
        }
        length = Some(n);
    }
    match (has_te, length) {
        // Both framings at once: the classic request-smuggling shape.
        (true, Some(_)) => Err(ReadError::Malformed),
        (true, None) => Err(ReadError::LengthRequired),
        (false, Some(n)) if n > MAX_BODY => Err(ReadError::BodyTooLarge),
        (false, n) => Ok(n.unwrap_or(0)),
    }
}

/// Parses a request head (without its final empty line).
fn parse_head(head: &[u8]) -> Result<http::request::Builder, ReadError> {
    let text = std::str::from_utf8(head).map_err(|_| ReadError::Malformed)?;
    let mut lines = text.split("\r\n");
    let mut first = lines.next().ok_or(ReadError::Malformed)?.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (first.next(), first.next(), first.next(), first.next())
    else {
        return Err(ReadError::Malformed);
    };
    if !version.starts_with("HTTP/1.") {
        return Err(ReadError::Malformed);
    }
    let mut builder = http::Request::builder().method(method).uri(target);
    for line in lines {
        // No obsolete line folding; no space before the colon (RFC 9112 §5).
        if line.starts_with([' ', '\t']) {
            return Err(ReadError::Malformed);
        }
        let (name, value) = line.split_once(':').ok_or(ReadError::Malformed)?;
        builder = builder.header(name, value.trim());
    }
    Ok(builder)
}

/// Reads one request from a connection: the head (at most [`MAX_HEAD`]),
/// then the body its `Content-Length` announces (at most [`MAX_BODY`]),
/// all within [`READ_DEADLINE`].
pub fn read_request(stream: &mut TcpStream) -> Result<http::Request<Vec<u8>>, ReadError> {
    let deadline = Instant::now() + READ_DEADLINE;
    let mut data = Vec::with_capacity(1024);
    let mut buf = [0u8; 4096];
    let head_end = loop {
        let from = data.len().saturating_sub(3);
        let n = read_some(stream, &mut buf, deadline)?;
        data.extend_from_slice(buf.get(..n).ok_or(ReadError::Malformed)?);
        if let Some(at) = data
            .get(from..)
            .and_then(|tail| tail.windows(4).position(|w| w == b"\r\n\r\n"))
        {
            break from + at;
        }
        if data.len() > MAX_HEAD {
            return Err(ReadError::HeadTooLarge);
        }
    };
    if head_end > MAX_HEAD {
        return Err(ReadError::HeadTooLarge);
    }
    let builder = parse_head(data.get(..head_end).ok_or(ReadError::Malformed)?)?;
    let request = builder.body(()).map_err(|_| ReadError::Malformed)?;
    let length = body_length(request.headers())?;
    // What came with the head is the body's start (anything past the
    // announced length is ignored: one request per connection).
    let mut body: Vec<u8> = data.get(head_end + 4..).unwrap_or_default().to_vec();
    body.truncate(length);
    while body.len() < length {
        let want = (length - body.len()).min(buf.len());
        let n = read_some(
            stream,
            buf.get_mut(..want).ok_or(ReadError::Malformed)?,
            deadline,
        )?;
        body.extend_from_slice(buf.get(..n).ok_or(ReadError::Malformed)?);
    }
    let (parts, ()) = request.into_parts();
    Ok(http::Request::from_parts(parts, body))
}

/// Writes a response and closes the connection. `unread` says the request
/// was not read to its end (an early refusal): the rest is then drained
/// for a moment, so that the client sees the answer rather than a reset.
pub fn write_response(stream: &mut TcpStream, response: &http::Response<Vec<u8>>, unread: bool) {
    let mut out = format!(
        "HTTP/1.1 {} {}\r\ncontent-length: {}\r\nconnection: close\r\n",
        response.status().as_u16(),
        response.status().canonical_reason().unwrap_or(""),
        response.body().len()
    )
    .into_bytes();
    for (name, value) in response.headers() {
        if name == http::header::CONTENT_LENGTH || name == http::header::CONNECTION {
            continue;
        }
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(response.body());
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    if stream.write_all(&out).is_err() {
        return;
    }
    if unread {
        let _ = stream.shutdown(Shutdown::Write);
        let deadline = Instant::now() + Duration::from_secs(1);
        let mut buf = [0u8; 4096];
        let mut drained = 0usize;
        while drained < 1024 * 1024 {
            match read_some(stream, &mut buf, deadline) {
                Ok(n) => drained += n,
                Err(_) => break,
            }
        }
    }
}
