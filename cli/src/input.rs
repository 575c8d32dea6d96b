//! The input, one notification at a time: JSONL lines or CSV rows from a file or standard
//! input, parsed and built. Memory is one line (or row) at a time whatever the input size.

use crate::fields::{self, Parsed};
use crate::template::Template;
use apnspush::Notification;
use std::io::{BufRead, BufReader, Read};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

/// One notification's line: its number (from 1) and what it parsed to.
pub struct Item {
    pub line: u64,
    pub parsed: Parsed,
}

/// How to read the rows.
pub enum Format {
    Jsonl,
    /// `template` with `{column}` fields; the token in `token_column`; an optional `ref`
    /// column is echoed in the outcome.
    Csv {
        template: String,
        token_column: String,
    },
}

/// An open input. `bytes` counts the bytes consumed so far (for progress).
pub struct Input {
    rows: Rows,
    pub bytes: Arc<AtomicU64>,
    /// The input's size when it is a regular file.
    pub size: Option<u64>,
}

enum Rows {
    Jsonl {
        reader: Box<dyn BufRead + Send>,
        line: u64,
        buf: Vec<u8>,
    },
    Csv {
        reader: csv::Reader<Box<dyn Read + Send>>,
        template: Template,
        token: usize,
        reference: Option<usize>,
        record: csv::StringRecord,
    },
}

impl Input {
    /// Opens `path` (`-`: standard input) and, for CSV, reads the header and compiles the
    /// template. Errors are messages for exit 2.
    pub fn open(path: &str, format: &Format) -> Result<Input, String> {
        let (read, size): (Box<dyn Read + Send>, Option<u64>) = if path == "-" {
            (Box::new(std::io::stdin()), None)
        } else {
            let file = std::fs::File::open(path).map_err(|e| format!("cannot open {path}: {e}"))?;
            let size = file
                .metadata()
                .ok()
                .filter(|m| m.is_file())
                .map(|m| m.len());
            (Box::new(file), size)
        };
        let bytes = Arc::new(AtomicU64::new(0));
        let rows = match format {
            Format::Jsonl => Rows::Jsonl {
                reader: Box::new(BufReader::with_capacity(256 * 1024, read)),
                line: 0,
                buf: Vec::new(),
            },
            Format::Csv {
                template,
                token_column,
            } => {
                let mut reader = csv::ReaderBuilder::new()
                    .flexible(true)
                    .buffer_capacity(256 * 1024)
                    .from_reader(read);
                let header: Vec<String> = reader
                    .headers()
                    .map_err(|e| format!("{path}: cannot read the CSV header: {e}"))?
                    .iter()
                    .map(str::to_owned)
                    .collect();
                let token = header
                    .iter()
                    .position(|h| h == token_column)
                    .ok_or_else(|| {
                        format!(
                            "{path}: no {token_column:?} column in the CSV header (columns: {}); \
                         name it with --token-column",
                            header.join(", ")
                        )
                    })?;
                let reference = header.iter().position(|h| h == "ref");
                Rows::Csv {
                    template: Template::compile(template, &header)?,
                    reader,
                    token,
                    reference,
                    record: csv::StringRecord::new(),
                }
            }
        };
        Ok(Input { rows, bytes, size })
    }

    /// The next notification's line; `None` at the end; `Err` for an input that cannot be read
    /// further (an I/O error).
    pub fn next_item(&mut self) -> Option<Result<Item, String>> {
        match &mut self.rows {
            Rows::Jsonl { reader, line, buf } => loop {
                buf.clear();
                match reader.read_until(b'\n', buf) {
                    Ok(0) => return None,
                    Ok(n) => {
                        *line += 1;
                        self.bytes.fetch_add(n as u64, Relaxed);
                        let text = match std::str::from_utf8(buf) {
                            Ok(text) => text.trim(),
                            Err(_) => {
                                return Some(Ok(Item {
                                    line: *line,
                                    parsed: invalid("the line is not UTF-8 text".into()),
                                }))
                            }
                        };
                        if text.is_empty() {
                            continue;
                        }
                        return Some(Ok(Item {
                            line: *line,
                            parsed: fields::parse_line(text),
                        }));
                    }
                    Err(e) => return Some(Err(format!("cannot read the input: {e}"))),
                }
            },
            Rows::Csv {
                reader,
                template,
                token,
                reference,
                record,
            } => {
                let parsed = match reader.read_record(record) {
                    Ok(false) => return None,
                    Ok(true) => {
                        let token = record.get(*token).unwrap_or("").trim();
                        let payload = template.render(record);
                        Parsed {
                            reference: reference
                                .and_then(|i| record.get(i))
                                .map(|r| serde_json::Value::from(r).to_string().into_boxed_str()),
                            target: token.into(),
                            channel: false,
                            notification: Notification::builder()
                                .token_hex(token)
                                .payload_json(&payload)
                                .build()
                                .map_err(|e| e.message().to_string()),
                        }
                    }
                    Err(e) if e.is_io_error() => {
                        return Some(Err(format!("cannot read the input: {e}")))
                    }
                    Err(e) => invalid(format!("not a CSV row: {e}")),
                };
                let line = record
                    .position()
                    .map_or(reader.position().line(), |p| p.line());
                self.bytes.store(reader.position().byte(), Relaxed);
                Some(Ok(Item { line, parsed }))
            }
        }
    }
}

fn invalid(message: String) -> Parsed {
    Parsed {
        reference: None,
        target: "".into(),
        channel: false,
        notification: Err(message),
    }
}
