//! A test file (`*.test.ron`) as written: the graph it tests, its scripted servers, the
//! host events it fires and what it expects. Values stay RON literals here (with their
//! text), read against the graph's types once the graph is loaded.

use graphrun_format::names::suggest;
use graphrun_format::ron::{Kind, Value as Ron};
use graphrun_format::{codes, Diagnostic, SourceFile, Span, Spanned};

/// The server steps a script may name, for "did you mean".
const STEPS: [&str; 11] = [
    "Accept",
    "Reject",
    "Refuse",
    "Receive",
    "Send",
    "Wait",
    "At",
    "Close",
    "Drop",
    "ExpectClose",
    "Each",
];

/// The longest time a test file may name, in seconds (about 31 years of virtual time).
pub(crate) const MAX_SECONDS: f64 = 1e9;

/// One connection's script, as written.
pub type Script = Vec<Spanned<Step>>;

/// A test as written (what could be read of it: a field with a mistake is left out, and
/// the mistake is among the diagnostics).
pub struct TestFile {
    pub name: String,
    /// None: missing (a diagnostic says so).
    pub graph: Option<Spanned<String>>,
    pub set: Vec<(Spanned<String>, Literal)>,
    pub seed: Option<u64>,
    /// Per host, its scripts: the first connection runs the first, the second the second,
    /// and so on; connections past the last run the last (one list written: every
    /// connection runs it).
    pub servers: Vec<(Spanned<String>, Vec<Script>)>,
    pub fire: Vec<Fire>,
    pub timeout: f64,
    /// The largest message a connection accepts (`SocketConfig::max_message_size`), to
    /// test the limit with messages a file can hold.
    pub max_message_size: Option<usize>,
    pub expect: Expect,
}

/// A RON literal and its text in the file.
#[derive(Clone, Debug)]
pub struct Literal {
    pub text: String,
    pub span: Span,
}

/// A host event at a virtual time.
pub struct Fire {
    pub at: f64,
    pub event: Spanned<String>,
    pub args: Vec<(Spanned<String>, Literal)>,
}

/// A line the run must print, and when (`At(SECONDS, "text")`), in virtual seconds.
pub struct Line {
    pub text: String,
    pub at: Option<f64>,
}

/// What the run must give.
#[derive(Default)]
pub struct Expect {
    pub output: Vec<Line>,
    pub exit: Exit,
    /// `None`: not checked.
    pub errors: Option<Vec<String>>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Exit {
    #[default]
    Ended,
    RuntimeError,
    Timeout,
}

/// A message a server sends or expects.
#[derive(Clone, Debug)]
pub enum Payload {
    Json(Literal),
    Text(String),
    Any,
}

/// One step of a server's script.
#[derive(Clone, Debug)]
pub enum Step {
    Accept(Option<String>),
    Reject(u16),
    /// The TCP connection itself is refused (a script of its own: `[Refuse]`).
    Refuse,
    /// The step before ended at this virtual time (first: the connection came then).
    At(f64),
    Receive(Payload),
    Send(Payload),
    Wait(f64),
    Close(u16, String),
    Drop,
    ExpectClose(u16),
}

/// Reads a test file; `None` (with diagnostics) if its shape is wrong.
pub fn read(source: &SourceFile) -> (Option<TestFile>, Vec<Diagnostic>) {
    read_parsed(source, graphrun_format::ron::parse(source.text()))
}

/// Like [`read`], from the file's value already parsed (`graphrun_format::ron::from_parse`).
pub fn read_parsed(source: &SourceFile, parsed: graphrun_format::ron::Parsed) -> (Option<TestFile>, Vec<Diagnostic>) {
    let value = match parsed {
        Ok(v) => v,
        Err(e) => return (None, vec![Diagnostic::error(codes::SYNTAX, e.span, e.message)]),
    };
    let mut r = Reader {
        source,
        diags: Vec::new(),
    };
    let test = r.test(&value);
    (test, r.diags)
}

struct Reader<'s> {
    source: &'s SourceFile,
    diags: Vec<Diagnostic>,
}

/// A struct's fields by name.
type Fields<'v> = Vec<(&'v Spanned<String>, &'v Ron)>;

impl Reader<'_> {
    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.diags.push(Diagnostic::error(codes::SHAPE, span, message));
    }

    fn literal(&self, value: &Ron) -> Literal {
        let text = self
            .source
            .text()
            .get(value.span.start as usize..value.span.end as usize)
            .unwrap_or_default()
            .to_string();
        Literal { text, span: value.span }
    }

    fn fields<'v>(&mut self, what: &str, value: &'v Ron, known: &[&str]) -> Option<Fields<'v>> {
        let fields = match &value.kind {
            Kind::Struct { fields, .. } => fields,
            Kind::Unit => return Some(Vec::new()),
            other => {
                self.error(
                    value.span,
                    format!("expected {what} as `(field: value, ...)`, found {}", other.describe()),
                );
                return None;
            }
        };
        let mut out: Fields<'v> = Vec::new();
        for (name, v) in fields {
            if !known.contains(&name.value.as_str()) {
                let hint = suggest(&name.value, known.iter().copied());
                let hint = if hint.is_empty() {
                    let list = known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
                    format!("; expected one of {list}")
                } else {
                    hint
                };
                self.error(name.span, format!("unknown field `{}` in {what}{hint}", name.value));
            } else if out.iter().any(|(n, _)| n.value == name.value) {
                self.diags.push(Diagnostic::error(
                    codes::DUPLICATE,
                    name.span,
                    format!("field `{}` is given twice in {what}", name.value),
                ));
            } else {
                out.push((name, v));
            }
        }
        Some(out)
    }

    fn get<'v>(fields: &Fields<'v>, name: &str) -> Option<&'v Ron> {
        fields.iter().find(|(n, _)| n.value == name).map(|&(_, v)| v)
    }

    fn string(&mut self, what: &str, value: &Ron) -> Option<Spanned<String>> {
        match &value.kind {
            Kind::Str(s) => Some(Spanned::new(s.clone(), value.span)),
            other => {
                self.error(
                    value.span,
                    format!("expected {what} as a string, found {}", other.describe()),
                );
                None
            }
        }
    }

    fn number(&mut self, what: &str, value: &Ron) -> Option<f64> {
        match value.kind {
            Kind::Int(n) => Some(n as f64),
            Kind::Float(f) if f.is_finite() => Some(f),
            ref other => {
                self.error(
                    value.span,
                    format!("expected {what} as a number, found {}", other.describe()),
                );
                None
            }
        }
    }

    /// A time in seconds: a number from 0 to [`MAX_SECONDS`] (a clock cannot go back, and
    /// past that no test ends).
    fn seconds(&mut self, what: &str, value: &Ron) -> Option<f64> {
        let seconds = self.number(what, value)?;
        if !(0.0..=MAX_SECONDS).contains(&seconds) {
            self.error(
                value.span,
                format!(
                    "{what} is {} s: a time is from 0 to 1,000,000,000 seconds",
                    if seconds.abs() >= 1e9 {
                        format!("{seconds:e}")
                    } else {
                        seconds.to_string()
                    }
                ),
            );
            return None;
        }
        Some(seconds)
    }

    fn map<'v>(&mut self, what: &str, value: &'v Ron) -> Vec<(Spanned<String>, &'v Ron)> {
        let Kind::Map(entries) = &value.kind else {
            self.error(
                value.span,
                format!(
                    "expected {what} as a map `{{\"name\": ...}}`, found {}",
                    value.kind.describe()
                ),
            );
            return Vec::new();
        };
        entries
            .iter()
            .filter_map(|(k, v)| Some((self.string(&format!("a key of {what}"), k)?, v)))
            .collect()
    }

    fn list<'v>(&mut self, what: &str, value: &'v Ron) -> &'v [Ron] {
        match &value.kind {
            Kind::List(items) => items,
            other => {
                self.error(
                    value.span,
                    format!("expected {what} as a list `[...]`, found {}", other.describe()),
                );
                &[]
            }
        }
    }

    fn test(&mut self, value: &Ron) -> Option<TestFile> {
        if let Kind::Struct { name: Some(name), .. } = &value.kind {
            if name.value != "Test" {
                self.error(name.span, format!("expected `Test(...)`, found `{}(...)`", name.value));
                return None;
            }
        }
        let known = [
            "format",
            "name",
            "graph",
            "set",
            "seed",
            "servers",
            "fire",
            "timeout",
            "max_message_size",
            "expect",
        ];
        let fields = self.fields("Test", value, &known)?;
        let head = Span::new(value.span.start as usize, value.span.start as usize + 1);
        match Self::get(&fields, "format").map(|v| &v.kind) {
            Some(Kind::Int(1)) => {}
            Some(_) => self.diags.push(Diagnostic::error(
                codes::FORMAT_VERSION,
                Self::get(&fields, "format").map_or(head, |v| v.span),
                "this graphrun reads test files of `format: 1`",
            )),
            None => self.diags.push(Diagnostic::error(
                codes::FORMAT_VERSION,
                head,
                "missing field `format`; this graphrun reads `format: 1`",
            )),
        }
        // Each field is read whatever the others hold: every mistake is reported at once.
        let name = match Self::get(&fields, "name") {
            Some(v) => self.string("the test's name", v).map(|n| n.value).unwrap_or_default(),
            None => {
                self.error(head, "missing field `name`: the test's name, shown in its result");
                String::new()
            }
        };
        let graph = match Self::get(&fields, "graph") {
            Some(v) => self.string("the graph's path", v),
            None => {
                self.error(
                    head,
                    "missing field `graph`: the graph file it tests, relative to this file",
                );
                None
            }
        };
        let set = match Self::get(&fields, "set") {
            Some(v) => self
                .map("`set`", v)
                .into_iter()
                .map(|(k, v)| (k, self.literal(v)))
                .collect(),
            None => Vec::new(),
        };
        let seed = match Self::get(&fields, "seed") {
            None => None,
            Some(v) => match v.kind {
                Kind::Int(n) if n >= 0 => Some(n as u64),
                _ => {
                    self.error(v.span, "expected the seed as a whole number, as in `seed: 7`");
                    None
                }
            },
        };
        let mut servers = Vec::new();
        if let Some(v) = Self::get(&fields, "servers") {
            for (host, script) in self.map("`servers`", v) {
                let scripts = self.scripts(script);
                servers.push((host, scripts));
            }
        }
        let mut fire = Vec::new();
        let timeout = Self::get(&fields, "timeout")
            .and_then(|v| self.seconds("the timeout", v))
            .unwrap_or(60.0);
        if let Some(v) = Self::get(&fields, "fire") {
            for item in self.list("`fire`", v) {
                if let Some(f) = self.fire(item, timeout) {
                    fire.push(f);
                }
            }
        }
        let max_message_size = match Self::get(&fields, "max_message_size") {
            None => None,
            Some(v) => match v.kind {
                Kind::Int(n) if n > 0 => Some(n as usize),
                _ => {
                    self.error(v.span, "expected the message size limit as a positive number of bytes");
                    None
                }
            },
        };
        let expect = match Self::get(&fields, "expect") {
            Some(v) => self.expect(v).unwrap_or_default(),
            None => {
                self.error(head, "missing field `expect`: what the run must give");
                Expect::default()
            }
        };
        Some(TestFile {
            name,
            graph,
            set,
            seed,
            servers,
            fire,
            timeout,
            max_message_size,
            expect,
        })
    }

    fn fire(&mut self, value: &Ron, timeout: f64) -> Option<Fire> {
        let fields = self.fields("a fired event", value, &["at", "event", "args"])?;
        let at = match Self::get(&fields, "at") {
            Some(v) => {
                let at = self.seconds("`at`", v)?;
                if at > timeout {
                    self.error(
                        v.span,
                        format!("`at` is {at} s, after the test's timeout ({timeout} s): it would never fire"),
                    );
                    return None;
                }
                at
            }
            None => 0.0,
        };
        let event = match Self::get(&fields, "event") {
            Some(v) => self.string("the event's node id", v)?,
            None => {
                self.error(value.span, "a fired event needs `event`: its Custom Event's node id");
                return None;
            }
        };
        let args = match Self::get(&fields, "args") {
            Some(v) => self
                .map("`args`", v)
                .into_iter()
                .map(|(k, v)| (k, self.literal(v)))
                .collect(),
            None => Vec::new(),
        };
        Some(Fire { at, event, args })
    }

    fn expect(&mut self, value: &Ron) -> Option<Expect> {
        let fields = self.fields("`expect`", value, &["output", "exit", "errors"])?;
        let lines = |r: &mut Self, what: &str, v: Option<&Ron>| -> Vec<String> {
            match v {
                None => Vec::new(),
                Some(v) => r
                    .list(what, v)
                    .iter()
                    .filter_map(|l| r.string("a line", l).map(|s| s.value))
                    .collect(),
            }
        };
        let output = match Self::get(&fields, "output") {
            None => Vec::new(),
            Some(v) => self.list("`output`", v).iter().filter_map(|l| self.line(l)).collect(),
        };
        let errors = Self::get(&fields, "errors").map(|v| lines(self, "`errors`", Some(v)));
        let exit = match Self::get(&fields, "exit").map(|v| (&v.kind, v.span)) {
            None => Exit::Ended,
            Some((Kind::Ident(e), span)) => match e.as_str() {
                "Ended" => Exit::Ended,
                "RuntimeError" => Exit::RuntimeError,
                "Timeout" => Exit::Timeout,
                other => {
                    self.error(span, format!("no exit `{other}`: Ended, RuntimeError or Timeout"));
                    Exit::Ended
                }
            },
            Some((other, span)) => {
                self.error(
                    span,
                    format!(
                        "expected the exit as Ended, RuntimeError or Timeout, found {}",
                        other.describe()
                    ),
                );
                Exit::Ended
            }
        };
        Some(Expect { output, exit, errors })
    }

    fn payload(&mut self, value: &Ron) -> Option<Payload> {
        match &value.kind {
            Kind::Ident(a) if a == "Any" => Some(Payload::Any),
            Kind::Tuple { name: Some(n), items } if items.len() == 1 && n.value == "Json" => {
                Some(Payload::Json(self.literal(&items[0])))
            }
            Kind::Tuple { name: Some(n), items } if items.len() == 1 && n.value == "Text" => {
                Some(Payload::Text(self.string("the text", &items[0])?.value))
            }
            _ => {
                self.error(
                    value.span,
                    "expected a message as `Json(value)`, `Text(\"…\")` or `Any`",
                );
                None
            }
        }
    }

    /// A host's scripts: one list (every connection runs it) or `Each([[...], ...])`.
    fn scripts(&mut self, value: &Ron) -> Vec<Script> {
        match &value.kind {
            Kind::Tuple { name: Some(n), items } if n.value == "Each" => {
                let [lists] = items.as_slice() else {
                    self.error(value.span, "expected `Each([[...], [...], ...])`: one list of scripts");
                    return Vec::new();
                };
                let scripts: Vec<_> = self
                    .list("`Each`'s scripts", lists)
                    .iter()
                    .map(|script| self.script(script))
                    .collect();
                if scripts.is_empty() {
                    self.error(lists.span, "`Each` needs at least one script");
                }
                scripts
            }
            _ => vec![self.script(value)],
        }
    }

    /// One connection's script: its steps. `Refuse` is a script of its own.
    fn script(&mut self, value: &Ron) -> Script {
        let steps: Vec<Spanned<Step>> = self
            .list("a server's script", value)
            .iter()
            .filter_map(|s| self.step(s))
            .collect();
        if steps.len() > 1 {
            for step in steps.iter().filter(|s| matches!(s.value, Step::Refuse)) {
                self.error(
                    step.span,
                    "`Refuse` is a script of its own, `[Refuse]`: the connection is refused before any step",
                );
            }
        }
        steps
    }

    /// An expected output line: `"text"`, or `At(SECONDS, "text")` printed at that time.
    fn line(&mut self, value: &Ron) -> Option<Line> {
        match &value.kind {
            Kind::Str(text) => Some(Line {
                text: text.clone(),
                at: None,
            }),
            Kind::Tuple { name: Some(n), items } if n.value == "At" && items.len() == 2 => {
                let at = self.seconds("`At`", &items[0]);
                let text = self.string("the line", &items[1])?.value;
                Some(Line { text, at: Some(at?) })
            }
            other => {
                self.error(
                    value.span,
                    format!(
                        "expected an output line as `\"text\"` or `At(SECONDS, \"text\")`, found {}",
                        other.describe()
                    ),
                );
                None
            }
        }
    }

    fn step(&mut self, value: &Ron) -> Option<Spanned<Step>> {
        let step = match &value.kind {
            Kind::Ident(s) if s == "Accept" => Step::Accept(None),
            Kind::Ident(s) if s == "Drop" => Step::Drop,
            Kind::Ident(s) if s == "Refuse" => Step::Refuse,
            Kind::Ident(other) => {
                self.error(value.span, format!("no server step `{other}`{}", suggest(other, STEPS)));
                return None;
            }
            Kind::Struct { name: Some(n), .. } => {
                let what = format!("`{}`", n.value);
                match n.value.as_str() {
                    "Accept" => {
                        let f = self.fields(&what, value, &["protocol"])?;
                        let protocol = Self::get(&f, "protocol").and_then(|v| self.string("the subprotocol", v));
                        Step::Accept(protocol.map(|p| p.value))
                    }
                    "Reject" => {
                        let f = self.fields(&what, value, &["status"])?;
                        Step::Reject(self.code(Self::get(&f, "status"), value.span, "the status")?)
                    }
                    "Close" => {
                        let f = self.fields(&what, value, &["code", "reason"])?;
                        let code = self.code(Self::get(&f, "code"), value.span, "the close code")?;
                        let reason = Self::get(&f, "reason")
                            .and_then(|v| self.string("the reason", v))
                            .map(|r| r.value)
                            .unwrap_or_default();
                        Step::Close(code, reason)
                    }
                    "ExpectClose" => {
                        let f = self.fields(&what, value, &["code"])?;
                        Step::ExpectClose(self.code(Self::get(&f, "code"), value.span, "the close code")?)
                    }
                    other => {
                        self.error(n.span, format!("no server step `{other}`{}", suggest(other, STEPS)));
                        return None;
                    }
                }
            }
            Kind::Tuple { name: Some(n), items } if items.len() == 1 => match n.value.as_str() {
                "Receive" => Step::Receive(self.payload(&items[0])?),
                "Send" => match self.payload(&items[0])? {
                    Payload::Any => {
                        self.error(
                            items[0].span,
                            "a server sends `Json(value)` or `Text(\"…\")`, not `Any`",
                        );
                        return None;
                    }
                    p => Step::Send(p),
                },
                "Wait" => Step::Wait(self.seconds("the wait", &items[0])?),
                "At" => Step::At(self.seconds("`At`", &items[0])?),
                other => {
                    self.error(n.span, format!("no server step `{other}`{}", suggest(other, STEPS)));
                    return None;
                }
            },
            _ => {
                self.error(
                    value.span,
                    "expected a server step: Accept, Reject(status: N), Refuse, Receive(…), Send(…), Wait(s), At(s), Close(code: N, reason: \"…\"), Drop or ExpectClose(code: N)",
                );
                return None;
            }
        };
        Some(Spanned::new(step, value.span))
    }

    fn code(&mut self, value: Option<&Ron>, at: Span, what: &str) -> Option<u16> {
        match value.map(|v| (&v.kind, v.span)) {
            Some((Kind::Int(n), _)) if (0..=u16::MAX as i64).contains(n) => Some(*n as u16),
            Some((_, span)) => {
                self.error(span, format!("expected {what} as a whole number"));
                None
            }
            None => {
                self.error(at, format!("missing {what}"));
                None
            }
        }
    }
}
