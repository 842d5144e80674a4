//! The route table: every (method, path, function, needs auth) of the API, in one place.
//!
//! The local server routes by it, the 404/405 answers come from it, and tests check that
//! `template.yaml` and the `cargo lambda watch` router agree with it.

use http::Method;

use crate::error::ApiError;

/// One operation of the API; each is one Lambda function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `GET /articles`
    ListArticles,
    /// `GET /articles/{id}`
    GetArticle,
    /// `POST /articles`
    CreateArticle,
    /// `POST /articles/{id}`
    UpdateArticle,
    /// `DELETE /articles/{id}`
    DeleteArticle,
}

/// A path template of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathTemplate {
    /// `/articles`
    Collection,
    /// `/articles/{id}`
    Item,
}

impl PathTemplate {
    /// The template as API Gateway spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Collection => "/articles",
            Self::Item => "/articles/{id}",
        }
    }

    /// The `Allow` header for this path; a test checks it against [`ROUTES`].
    pub fn allow(self) -> &'static str {
        match self {
            Self::Collection => "GET, POST",
            Self::Item => "GET, POST, DELETE",
        }
    }
}

/// One row of the route table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteSpec {
    /// The operation.
    pub route: Route,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The path template.
    pub path: PathTemplate,
    /// The Lambda function (binary) that serves it.
    pub function: &'static str,
    /// Whether it goes through the authorizer.
    pub auth: bool,
}

/// The whole API.
pub const ROUTES: [RouteSpec; 5] = [
    RouteSpec {
        route: Route::ListArticles,
        method: "GET",
        path: PathTemplate::Collection,
        function: "list-articles",
        auth: false,
    },
    RouteSpec {
        route: Route::CreateArticle,
        method: "POST",
        path: PathTemplate::Collection,
        function: "create-article",
        auth: true,
    },
    RouteSpec {
        route: Route::GetArticle,
        method: "GET",
        path: PathTemplate::Item,
        function: "get-article",
        auth: false,
    },
    RouteSpec {
        route: Route::UpdateArticle,
        method: "POST",
        path: PathTemplate::Item,
        function: "update-article",
        auth: true,
    },
    RouteSpec {
        route: Route::DeleteArticle,
        method: "DELETE",
        path: PathTemplate::Item,
        function: "delete-article",
        auth: true,
    },
];

impl Route {
    /// This route's row of [`ROUTES`].
    pub fn spec(self) -> &'static RouteSpec {
        match self {
            Self::ListArticles => &ROUTES[0],
            Self::CreateArticle => &ROUTES[1],
            Self::GetArticle => &ROUTES[2],
            Self::UpdateArticle => &ROUTES[3],
            Self::DeleteArticle => &ROUTES[4],
        }
    }
}

/// A request matched to a route, with the raw `{id}` segment where the path has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Matched<'a> {
    /// The row that matched.
    pub spec: &'static RouteSpec,
    /// The `{id}` path segment, unparsed.
    pub id: Option<&'a str>,
}

/// Matches a path (without query) to a template and its `{id}` segment.
pub fn match_path(path: &str) -> Option<(PathTemplate, Option<&str>)> {
    let rest = path.strip_prefix("/articles")?;
    if rest.is_empty() {
        return Some((PathTemplate::Collection, None));
    }
    let id = rest.strip_prefix('/')?;
    (!id.is_empty() && !id.contains('/')).then_some((PathTemplate::Item, Some(id)))
}

/// Finds the route for a method and path.
///
/// # Errors
/// [`ApiError::NotFound`] for an unknown path, [`ApiError::MethodNotAllowed`] for a known
/// path with a method it does not support.
pub fn resolve<'a>(method: &Method, path: &'a str) -> Result<Matched<'a>, ApiError> {
    let (template, id) = match_path(path).ok_or(ApiError::NotFound("no such path"))?;
    ROUTES
        .iter()
        .find(|s| s.path == template && s.method == method.as_str())
        .map(|spec| Matched { spec, id })
        .ok_or(ApiError::MethodNotAllowed {
            allow: template.allow(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_headers_list_exactly_the_table_methods() {
        for template in [PathTemplate::Collection, PathTemplate::Item] {
            let methods: Vec<_> = ROUTES
                .iter()
                .filter(|s| s.path == template)
                .map(|s| s.method)
                .collect();
            let allow: Vec<_> = template.allow().split(", ").collect();
            assert_eq!(allow, methods, "{template:?}");
        }
    }

    #[test]
    fn every_route_resolves_to_itself() {
        for spec in &ROUTES {
            let path = spec.path.as_str().replace("{id}", "7");
            let method = Method::from_bytes(spec.method.as_bytes()).unwrap();
            let matched = resolve(&method, &path).unwrap();
            assert_eq!(matched.spec.route, spec.route);
            assert_eq!(spec.route.spec(), spec);
        }
    }

    #[test]
    fn only_writes_need_auth() {
        for spec in &ROUTES {
            assert_eq!(spec.auth, spec.method != "GET", "{spec:?}");
        }
    }

    #[test]
    fn unknown_paths_are_not_found_and_wrong_methods_not_allowed() {
        for path in [
            "/",
            "/nope",
            "/articles/",
            "/articles/1/",
            "/articles/1/x",
            "/articlesx",
        ] {
            assert!(
                matches!(resolve(&Method::GET, path), Err(ApiError::NotFound(_))),
                "{path}"
            );
        }
        assert!(matches!(
            resolve(&Method::PUT, "/articles"),
            Err(ApiError::MethodNotAllowed { allow: "GET, POST" })
        ));
        assert!(matches!(
            resolve(&Method::PATCH, "/articles/3"),
            Err(ApiError::MethodNotAllowed {
                allow: "GET, POST, DELETE"
            })
        ));
    }
}
