//! The reader of Cedar's schema format: tokens, then the declarations `CedarSchema` keeps
//! (entity types, and each action's resource types), every other declaration skipped.

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    Str(String),
    Punct(char),
    PathSep,
}

fn tokens(src: &str) -> Result<Vec<(Tok, usize)>, String> {
    let mut out = Vec::new();
    let mut chars = src.char_indices().peekable();
    let line = |at: usize| src[..at].matches('\n').count() + 1;
    while let Some((at, c)) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '/' if chars.peek().is_some_and(|(_, n)| *n == '/') => {
                for (_, n) in chars.by_ref() {
                    if n == '\n' {
                        break;
                    }
                }
            }
            '"' => {
                let mut s = String::new();
                loop {
                    match chars.next() {
                        Some((_, '"')) => break,
                        Some((_, '\\')) => match chars.next() {
                            Some((_, 'n')) => s.push('\n'),
                            Some((_, 't')) => s.push('\t'),
                            Some((_, 'r')) => s.push('\r'),
                            Some((_, '0')) => s.push('\0'),
                            Some((_, 'u')) => {
                                // `\u{61}`
                                let mut hex = String::new();
                                if chars.next().map(|(_, c)| c) != Some('{') {
                                    return Err(format!("line {}: bad `\\u` escape", line(at)));
                                }
                                for (_, c) in chars.by_ref() {
                                    if c == '}' {
                                        break;
                                    }
                                    hex.push(c);
                                }
                                let c = u32::from_str_radix(&hex, 16)
                                    .ok()
                                    .and_then(char::from_u32)
                                    .ok_or_else(|| {
                                        format!("line {}: bad `\\u` escape", line(at))
                                    })?;
                                s.push(c);
                            }
                            Some((_, e)) => s.push(e),
                            None => return Err(format!("line {}: unterminated string", line(at))),
                        },
                        Some((_, c)) => s.push(c),
                        None => return Err(format!("line {}: unterminated string", line(at))),
                    }
                }
                out.push((Tok::Str(s), at));
            }
            ':' if chars.peek().is_some_and(|(_, n)| *n == ':') => {
                chars.next();
                out.push((Tok::PathSep, at));
            }
            c if c.is_alphanumeric() || c == '_' => {
                let mut s = c.to_string();
                while let Some((_, n)) = chars
                    .peek()
                    .filter(|(_, n)| n.is_alphanumeric() || *n == '_')
                {
                    s.push(*n);
                    chars.next();
                }
                out.push((Tok::Ident(s), at));
            }
            c => out.push((Tok::Punct(c), at)),
        }
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<(Tok, usize)>,
    at: usize,
    src: &'a str,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|(t, _)| t)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.at).map(|(t, _)| t.clone());
        self.at += 1;
        t
    }

    fn error(&self, what: &str) -> String {
        let offset = self
            .toks
            .get(self.at.min(self.toks.len().saturating_sub(1)))
            .map_or(self.src.len(), |(_, o)| *o);
        let line = self.src[..offset.min(self.src.len())].matches('\n').count() + 1;
        format!("Cedar schema, line {line}: {what}")
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(&Tok::Punct(c)) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn is_ident(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(w)) if w == word)
    }

    /// `A::B::C`.
    fn path(&mut self) -> Result<String, String> {
        let mut out = match self.next() {
            Some(Tok::Ident(w)) => w,
            _ => return Err(self.error("expected a name")),
        };
        while self.peek() == Some(&Tok::PathSep) {
            self.at += 1;
            match self.next() {
                Some(Tok::Ident(w)) => {
                    out.push_str("::");
                    out.push_str(&w);
                }
                _ => return Err(self.error("expected a name after `::`")),
            }
        }
        Ok(out)
    }

    /// Skips to the end of the current declaration: past its `;`, braces and brackets
    /// balanced. A keyword that starts a declaration, met outside braces, means the `;` is
    /// missing: an error there, rather than the next declaration skipped with this one.
    fn skip_decl(&mut self) -> Result<(), String> {
        let mut depth = 0usize;
        loop {
            if depth == 0
                && let Some(Tok::Ident(w)) = self.peek()
                && ["entity", "action", "type", "namespace"].contains(&w.as_str())
            {
                return Err(self.error(&format!(
                    "expected `;` before this `{w}`: the declaration before it does not end"
                )));
            }
            match self.next() {
                Some(Tok::Punct('{' | '[' | '(' | '<')) => depth += 1,
                Some(Tok::Punct('}' | ']' | ')' | '>')) => {
                    depth = depth
                        .checked_sub(1)
                        .ok_or_else(|| self.error("unbalanced `}`"))?;
                }
                Some(Tok::Punct(';')) if depth == 0 => return Ok(()),
                Some(_) => {}
                None => return Err(self.error("a declaration does not end with `;`")),
            }
        }
    }

    fn annotations(&mut self) -> Result<(), String> {
        while self.eat('@') {
            self.path()?;
            if self.eat('(') {
                while !self.eat(')') {
                    if self.next().is_none() {
                        return Err(self.error("unterminated annotation"));
                    }
                }
            }
        }
        Ok(())
    }

    /// `A` or `[A, B]`.
    fn types(&mut self) -> Result<Vec<String>, String> {
        if self.eat('[') {
            let mut out = Vec::new();
            while !self.eat(']') {
                out.push(self.path()?);
                self.eat(',');
            }
            Ok(out)
        } else {
            Ok(vec![self.path()?])
        }
    }

    fn decls(&mut self, namespace: &str, out: &mut Raw) -> Result<(), String> {
        loop {
            self.annotations()?;
            match self.peek() {
                None => return Ok(()),
                Some(Tok::Punct('}')) if !namespace.is_empty() => return Ok(()),
                Some(Tok::Ident(w)) if w == "namespace" && namespace.is_empty() => {
                    self.at += 1;
                    let ns = self.path()?;
                    if !self.eat('{') {
                        return Err(self.error("expected `{` after the namespace's name"));
                    }
                    self.decls(&ns, out)?;
                    if !self.eat('}') {
                        return Err(self.error("expected `}` closing the namespace"));
                    }
                }
                Some(Tok::Ident(w)) if w == "entity" => {
                    self.at += 1;
                    loop {
                        let name = self.path()?;
                        out.entities.push(qualify(namespace, &name));
                        if !self.eat(',') {
                            break;
                        }
                    }
                    self.skip_decl()?;
                }
                Some(Tok::Ident(w)) if w == "action" => {
                    self.at += 1;
                    self.action(namespace, out)?;
                }
                Some(Tok::Ident(_)) => {
                    self.at += 1;
                    self.skip_decl()?;
                }
                Some(_) => return Err(self.error("expected a declaration")),
            }
        }
    }

    fn action(&mut self, namespace: &str, out: &mut Raw) -> Result<(), String> {
        let mut names = Vec::new();
        loop {
            match self.next() {
                Some(Tok::Ident(w) | Tok::Str(w)) => names.push(w),
                _ => return Err(self.error("expected an action's name")),
            }
            if !self.eat(',') {
                break;
            }
        }
        let mut resources = Vec::new();
        if self.is_ident("in") {
            self.at += 1;
            if self.eat('[') {
                let mut depth = 1;
                while depth > 0 {
                    match self.next() {
                        Some(Tok::Punct('[')) => depth += 1,
                        Some(Tok::Punct(']')) => depth -= 1,
                        Some(_) => {}
                        None => return Err(self.error("unterminated `in [..]`")),
                    }
                }
            } else {
                self.action_ref()?;
            }
        }
        if self.is_ident("appliesTo") {
            self.at += 1;
            if !self.eat('{') {
                return Err(self.error("expected `{` after `appliesTo`"));
            }
            while !self.eat('}') {
                let key = match self.next() {
                    Some(Tok::Ident(k)) => k,
                    _ => return Err(self.error("expected `principal`, `resource` or `context`")),
                };
                if !self.eat(':') {
                    return Err(self.error("expected `:`"));
                }
                if key == "context" {
                    self.skip_value()?;
                } else {
                    let types = self.types()?;
                    if key == "resource" {
                        resources = types.iter().map(|t| qualify(namespace, t)).collect();
                    }
                }
                self.eat(',');
            }
        }
        if !self.eat(';') {
            return Err(self.error("expected `;` after the action"));
        }
        for name in names {
            out.actions
                .push((namespace.to_owned(), name, resources.clone()));
        }
        Ok(())
    }

    /// An action group: `"all"`, `all`, or `Ns::Action::"all"`.
    fn action_ref(&mut self) -> Result<(), String> {
        match self.next() {
            Some(Tok::Str(_)) => return Ok(()),
            Some(Tok::Ident(_)) => {}
            _ => return Err(self.error("expected an action group after `in`")),
        }
        while self.peek() == Some(&Tok::PathSep) {
            self.at += 1;
            match self.next() {
                Some(Tok::Ident(_)) => {}
                Some(Tok::Str(_)) => return Ok(()),
                _ => return Err(self.error("expected a name after `::`")),
            }
        }
        Ok(())
    }

    /// A context type: a path, or a record `{ .. }`.
    fn skip_value(&mut self) -> Result<(), String> {
        if self.eat('{') {
            let mut depth = 1;
            while depth > 0 {
                match self.next() {
                    Some(Tok::Punct('{')) => depth += 1,
                    Some(Tok::Punct('}')) => depth -= 1,
                    Some(_) => {}
                    None => return Err(self.error("unterminated context record")),
                }
            }
            Ok(())
        } else {
            self.path().map(|_| ())
        }
    }
}

#[derive(Default)]
pub(super) struct Raw {
    pub(super) entities: Vec<String>,
    pub(super) actions: Vec<(String, String, Vec<String>)>,
}

fn qualify(namespace: &str, name: &str) -> String {
    if namespace.is_empty() || name.contains("::") {
        name.to_owned()
    } else {
        format!("{namespace}::{name}")
    }
}

/// The declarations of `src`.
pub(super) fn declarations(src: &str) -> Result<Raw, String> {
    let mut parser = Parser {
        toks: tokens(src)?,
        at: 0,
        src,
    };
    let mut raw = Raw::default();
    parser.decls("", &mut raw)?;
    Ok(raw)
}
