//! The toolkit of web adapters: the login and callback routes with the
//! app's handlers, independent of any web framework, and the macro that
//! gives each adapter the same `SesameAuth` type. `sesame-axum` and
//! `sesame-poem` are built from these two pieces and write only their
//! framework's routing and request/response conversion; an adapter for
//! another framework is built the same way.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use sesame_core::client::Login;
use sesame_core::login::LoginService;

use sesame_core::session::{SessionStore, Sessions};

use crate::{CallbackOutcome, Error, Sesame, SessionManager};

type LoginHandler<R> = Arc<dyn Fn(Login) -> Pin<Box<dyn Future<Output = R> + Send>> + Send + Sync>;
type ErrorHandler<R> = Arc<dyn Fn(Error) -> R + Send + Sync>;

/// The login and callback routes with the app's handlers, independent of
/// any web framework. `R` is the framework's response type; the Axum and
/// Poem adapters are thin wrappers around `LoginRoutes<their Response>`.
pub struct LoginRoutes<R> {
    service: Arc<LoginService>,
    driver: Arc<Sesame>,
    on_login: LoginHandler<R>,
    on_error: ErrorHandler<R>,
    sessions: Option<Arc<SessionManager>>,
}

impl<R> Clone for LoginRoutes<R> {
    fn clone(&self) -> Self {
        Self {
            service: Arc::clone(&self.service),
            driver: Arc::clone(&self.driver),
            on_login: Arc::clone(&self.on_login),
            on_error: Arc::clone(&self.on_error),
            sessions: self.sessions.clone(),
        }
    }
}

impl<R> std::fmt::Debug for LoginRoutes<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRoutes")
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

impl<R: Send + 'static> LoginRoutes<R> {
    /// Routes with default handlers: `on_login` gets the login and
    /// `on_error` the error, each turned into `R` by the given converters.
    pub fn new(
        service: LoginService,
        driver: Arc<Sesame>,
        default_login: fn(Login) -> R,
        default_error: fn(Error) -> R,
    ) -> Self {
        Self {
            service: Arc::new(service),
            driver,
            on_login: Arc::new(move |login| Box::pin(std::future::ready(default_login(login)))),
            on_error: Arc::new(default_error),
            sessions: None,
        }
    }

    /// Turns every successful login into a session kept by `rules` in
    /// `store` (the callback sets its cookie); see [`SessionManager`].
    pub fn with_sessions(mut self, rules: Sessions, store: Arc<dyn SessionStore>) -> Self {
        self.sessions = Some(Arc::new(SessionManager::new(
            rules,
            store,
            Arc::clone(&self.service),
            Arc::clone(&self.driver),
        )));
        self
    }

    /// Adjusts the session manager (post-logout URI, linking policy) while
    /// building the routes.
    pub fn configure_sessions(mut self, f: impl FnOnce(SessionManager) -> SessionManager) -> Self {
        if let Some(m) = self.sessions.take() {
            self.sessions = match Arc::try_unwrap(m) {
                Ok(m) => Some(Arc::new(f(m))),
                Err(shared) => Some(shared),
            };
        }
        self
    }

    /// The session manager, when sessions are on.
    pub fn sessions(&self) -> Option<&Arc<SessionManager>> {
        self.sessions.as_ref()
    }

    /// `GET /{provider}/link`: a login that links `provider` to the signed-in user.
    pub async fn link(
        &self,
        provider: &str,
        query: Option<&str>,
        headers: &http::HeaderMap,
    ) -> http::Response<Vec<u8>> {
        match &self.sessions {
            Some(m) => m.link(provider, query, headers).await,
            None => {
                Error::from(sesame_core::session::SessionError::LinkWithoutSession).to_response()
            }
        }
    }

    /// Sets the login handler; `convert` turns its output into `R`.
    pub fn on_login<F, Fut, T>(mut self, handler: F, convert: fn(T) -> R) -> Self
    where
        F: Fn(Login) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = T> + Send + 'static,
        T: 'static,
    {
        let handler = Arc::new(handler);
        self.on_login = Arc::new(move |login| {
            let h = Arc::clone(&handler);
            Box::pin(async move { convert(h(login).await) })
        });
        self
    }

    /// Sets the error handler.
    pub fn on_error<F>(mut self, handler: F) -> Self
    where
        F: Fn(Error) -> R + Send + Sync + 'static,
    {
        self.on_error = Arc::new(handler);
        self
    }

    /// The driver.
    pub fn driver(&self) -> &Arc<Sesame> {
        &self.driver
    }

    /// The login service.
    pub fn service(&self) -> &LoginService {
        &self.service
    }

    /// `GET /{provider}/login?return_to=…`: a 303 with the login cookie, or a JSON error.
    pub async fn login(&self, provider: &str, query: Option<&str>) -> http::Response<Vec<u8>> {
        self.driver
            .login_response(&self.service, provider, query)
            .await
    }

    /// `GET|POST /{provider}/callback`: the app's response, with the login
    /// cookie cleared via `headers_of`.
    pub async fn callback(
        &self,
        provider: &str,
        query: Option<&str>,
        form: Option<&[u8]>,
        request_headers: &http::HeaderMap,
        headers_of: fn(&mut R) -> &mut http::HeaderMap,
    ) -> R {
        let cookies = sesame_core::cookie::cookie_headers(request_headers);
        let outcome = self
            .driver
            .callback(&self.service, provider, query, form, cookies)
            .await;
        let (mut response, cookies) = match (outcome.result, &self.sessions) {
            (Ok(login), None) => ((self.on_login)(login).await, Vec::new()),
            (Ok(login), Some(sessions)) => {
                let state = sesame_core::login::callback_params(query, form)
                    .ok()
                    .and_then(|p| p.state);
                match sessions
                    .start(&login, request_headers, state.as_deref())
                    .await
                {
                    Ok((_, cookies)) => ((self.on_login)(login).await, cookies),
                    Err(e) => ((self.on_error)(e), Vec::new()),
                }
            }
            (Err(e), _) => ((self.on_error)(e), Vec::new()),
        };
        CallbackOutcome::finish(outcome.clear_cookie, headers_of(&mut response));
        sesame_core::cookie::append_cookies(headers_of(&mut response), cookies);
        response
    }
}

/// Defines an adapter's `SesameAuth` type around [`LoginRoutes`]: the
/// constructors, handler setters and accessors every adapter offers, so
/// that adapters write only their framework's glue (routing and
/// request/response conversion).
///
/// `$response` is the framework's response type, `$into_response` the
/// framework's "into a response" trait and `$to_response` the function
/// turning a core `http::Response<Vec<u8>>` into `$response`; the invoking
/// crate must define
/// `default_login_response(Login) -> $response` and
/// `default_error_response(Error) -> $response`.
#[macro_export]
macro_rules! sesame_auth_type {
    ($(#[$meta:meta])* $name:ident, $response:ty, $into_response:path, $to_response:path) => {
        $(#[$meta])*
        #[derive(Clone, Debug)]
        pub struct $name {
            routes: $crate::LoginRoutes<$response>,
        }

        impl $name {
            /// Routes for these providers with a default driver. The default
            /// `on_login` answers the identity as JSON; failures answer
            /// `{"error", "error_description"}` JSON with the right status.
            pub fn new(service: $crate::sesame_core::login::LoginService) -> Result<Self, $crate::HttpError> {
                Ok(Self::with_driver(service, std::sync::Arc::new($crate::Sesame::new()?)))
            }

            /// Routes sharing an existing driver (and its caches).
            pub fn with_driver(
                service: $crate::sesame_core::login::LoginService,
                driver: std::sync::Arc<$crate::Sesame>,
            ) -> Self {
                Self { routes: $crate::LoginRoutes::new(service, driver, default_login_response, default_error_response) }
            }

            /// Sets the handler called with every successful login. It returns
            /// the app's own response (and decides how to keep the session).
            pub fn on_login<F, Fut, R>(self, handler: F) -> Self
            where
                F: Fn($crate::sesame_core::client::Login) -> Fut + Send + Sync + 'static,
                Fut: std::future::Future<Output = R> + Send + 'static,
                R: $into_response + 'static,
            {
                Self { routes: self.routes.on_login(handler, <R as $into_response>::into_response) }
            }

            /// Sets the handler for failed logins.
            pub fn on_error<F>(self, handler: F) -> Self
            where
                F: Fn($crate::Error) -> $response + Send + Sync + 'static,
            {
                Self { routes: self.routes.on_error(handler) }
            }

            /// Answers a login request for `provider` (use it in routes of
            /// your own). `query` is the raw query string; its `return_to`
            /// is honoured.
            pub async fn login(&self, provider: &str, query: Option<&str>) -> $response {
                $to_response(self.routes.login(provider, query).await)
            }

            /// Answers a callback for `provider`: `query` for GET, `form`
            /// for a form_post body.
            pub async fn callback(
                &self,
                provider: &str,
                query: Option<&str>,
                form: Option<&[u8]>,
                headers: &$crate::http::HeaderMap,
            ) -> $response {
                self.routes
                    .callback(provider, query, form, headers, <$response>::headers_mut)
                    .await
            }

            /// Turns every successful login into a session kept by `rules` in
            /// `store`: the callback sets the session cookie. Add the session
            /// layer to the routes that read it.
            pub fn with_sessions(
                self,
                rules: $crate::sesame_core::session::Sessions,
                store: std::sync::Arc<dyn $crate::sesame_core::session::SessionStore>,
            ) -> Self {
                Self { routes: self.routes.with_sessions(rules, store) }
            }

            /// Adjusts the session manager (post-logout URI, linking policy).
            pub fn configure_sessions(
                self,
                f: impl FnOnce($crate::SessionManager) -> $crate::SessionManager,
            ) -> Self {
                Self { routes: self.routes.configure_sessions(f) }
            }

            /// The session manager, when sessions are on.
            pub fn sessions(&self) -> Option<&std::sync::Arc<$crate::SessionManager>> {
                self.routes.sessions()
            }

            /// Answers `GET /{provider}/link`: a login linking `provider` to
            /// the signed-in user (401 without a session).
            pub async fn link(&self, provider: &str, query: Option<&str>, headers: &$crate::http::HeaderMap) -> $response {
                $to_response(self.routes.link(provider, query, headers).await)
            }

            /// The driver (for refreshes, or to share its caches).
            pub fn driver(&self) -> &std::sync::Arc<$crate::Sesame> {
                self.routes.driver()
            }

            /// The login service.
            pub fn service(&self) -> &$crate::sesame_core::login::LoginService {
                self.routes.service()
            }
        }
    };
}
