//! WebSockets that end with their token (cargo feature `ws`).
//!
//! A `#[protect]` guard checks the token before the upgrade; once the socket is open, no
//! request passes the guard again. [`TokenSocket`] keeps the token's rules for the socket's
//! whole life: it closes the socket with code `1008` (policy violation) when the token
//! expires, and within [`ws_recheck_interval`](crate::AuthConfig::ws_recheck_interval)
//! (default 30 s) after the token, its session or its family is revoked (or, in allowlist
//! mode, withdrawn). When the store cannot answer, it closes with `1013` (try again later)
//! unless the app opted into [`store_fail_open`](crate::AuthConfig::store_fail_open).
//!
//! ```
//! use authx::{Claims, protect, ws::TokenSocket};
//! use axum::extract::{State, ws::{Message, WebSocketUpgrade}};
//! use axum::response::Response;
//!
//! #[protect(locations = [query, headers])]
//! async fn chat(State(auth): State<authx::Auth>, upgrade: WebSocketUpgrade, claims: Claims) -> Response {
//!     upgrade.on_upgrade(move |socket| async move {
//!         let mut socket = TokenSocket::new(socket, &auth, &claims);
//!         // `recv` gives `None` when the client closed or the token ended (the socket is
//!         // then closed with 1008 and `socket.ended()` says why).
//!         while let Some(Ok(Message::Text(text))) = socket.recv().await {
//!             if socket.send(Message::Text(text)).await.is_err() {
//!                 break;
//!             }
//!         }
//!     })
//! }
//! ```
//!
//! For a loop of your own (a server that only pushes), [`Auth::token_end`] is the future
//! that resolves when the token stops being honoured: `select!` on it.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, close_code};

use crate::Auth;
use crate::auth::{Dpop, Live, Verification};
use crate::error::AuthError;
use crate::token::Claims;

/// Why a token stopped being honoured on an open socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenEnd {
    /// The token reached its `exp`.
    Expired,
    /// The token, its session or its family was revoked (or withdrawn from the allowlist).
    Revoked,
    /// The store could not say, and the app fails closed.
    StoreUnavailable,
}

impl TokenEnd {
    /// The close code: `1008` (policy violation), or `1013` (try again later) for a store
    /// outage.
    pub fn close_code(self) -> u16 {
        match self {
            TokenEnd::Expired | TokenEnd::Revoked => close_code::POLICY,
            TokenEnd::StoreUnavailable => close_code::AGAIN,
        }
    }

    /// The close reason sent to the client.
    pub fn reason(self) -> &'static str {
        match self {
            TokenEnd::Expired => "token expired",
            TokenEnd::Revoked => "token revoked",
            TokenEnd::StoreUnavailable => "authentication store unavailable",
        }
    }
}

impl Auth {
    /// Resolves when the token of `claims` stops being honoured: at its `exp`, or at the first
    /// check (every [`ws_recheck_interval`](crate::AuthConfig::ws_recheck_interval)) that finds
    /// it, its session or its family revoked. Owns what it needs: spawn it, or `select!` on it.
    pub fn token_end(&self, claims: &Claims) -> impl Future<Output = TokenEnd> + Send + 'static {
        let auth = self.clone();
        let claims = claims.clone();
        async move {
            // Between 100 ms and a day, and an expiry at most ten years out: a typo in the
            // configuration or a far `exp` neither spins nor overflows a timer.
            let interval = auth
                .config()
                .ws_recheck_interval
                .clamp(Duration::from_millis(100), Duration::from_secs(86_400));
            let left = u64::try_from(claims.exp.saturating_sub(auth.clock().now()))
                .unwrap_or(0)
                .min(10 * 365 * 86_400);
            let expiry = tokio::time::sleep(Duration::from_secs(left));
            tokio::pin!(expiry);
            let mut checks =
                tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
            checks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    () = &mut expiry => return TokenEnd::Expired,
                    _ = checks.tick() => match auth.run_detached(live_again(&claims)).await {
                        Ok(_) => {}
                        Err(AuthError::StoreUnavailable(_)) => return TokenEnd::StoreUnavailable,
                        Err(_) => return TokenEnd::Revoked,
                    },
                }
            }
        }
    }
}

/// A WebSocket that lives as long as its token (see the [module docs](self)).
pub struct TokenSocket {
    socket: WebSocket,
    end: Pin<Box<dyn Future<Output = TokenEnd> + Send>>,
    ended: Option<TokenEnd>,
}

impl std::fmt::Debug for TokenSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSocket")
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

impl TokenSocket {
    /// Binds `socket` to the token of `claims` (the claims the route's guard verified).
    pub fn new(socket: WebSocket, auth: &Auth, claims: &Claims) -> Self {
        TokenSocket {
            socket,
            end: Box::pin(auth.token_end(claims)),
            ended: None,
        }
    }

    /// The next message; `None` when the client closed the socket, or when the token ended
    /// (the socket was then closed with [`TokenEnd::close_code`]; see [`ended`](Self::ended)).
    pub async fn recv(&mut self) -> Option<Result<Message, axum::Error>> {
        if self.ended.is_some() {
            return None;
        }
        tokio::select! {
            message = self.socket.recv() => message,
            end = &mut self.end => {
                self.close(end).await;
                None
            }
        }
    }

    /// Sends a message, unless the token has ended (then the socket is closed and this fails).
    pub async fn send(&mut self, message: Message) -> Result<(), axum::Error> {
        if self.ended.is_none() {
            // A token that ended while nobody was receiving still ends the socket first.
            if let Some(end) = futures_poll_now(&mut self.end) {
                self.close(end).await;
            }
        }
        match self.ended {
            Some(end) => Err(axum::Error::new(end.reason())),
            None => self.socket.send(message).await,
        }
    }

    /// Why the token ended, once it has.
    pub fn ended(&self) -> Option<TokenEnd> {
        self.ended
    }

    /// The socket, without its token watch.
    pub fn into_inner(self) -> WebSocket {
        self.socket
    }

    async fn close(&mut self, end: TokenEnd) {
        tracing::debug!(
            reason = end.reason(),
            "authx: closing a WebSocket whose token ended"
        );
        self.ended = Some(end);
        let frame = CloseFrame {
            code: end.close_code(),
            reason: end.reason().into(),
        };
        // The client may be gone already; there is nothing more to do then.
        let _ = self.socket.send(Message::Close(Some(frame))).await;
    }
}

/// Polls `future` once, without waiting.
fn futures_poll_now<T>(future: &mut Pin<Box<dyn Future<Output = T> + Send>>) -> Option<T> {
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => Some(v),
        std::task::Poll::Pending => None,
    }
}

/// A WebSocket's token at each re-check: its proof (if bound) was checked at the upgrade; is it
/// still live, and allowlisted? A read: a refresh token rotated since the upgrade ends the
/// socket, but the holder did not present it again, so its family is not revoked.
fn live_again(claims: &Claims) -> Verification<'_> {
    Verification {
        dpop: Dpop::NotChecked,
        live: Live::ReadOnly,
        ..Verification::decoded(claims)
    }
}
