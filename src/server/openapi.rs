//! The OpenAPI 3.1 document served at `/openapi.json`. It is generated: each
//! handler's `#[utoipa::path]` attribute both routes it and describes it
//! (`utoipa_axum`'s `routes!`), and the request and reply types derive their
//! schemas, so the document cannot list a route the server lacks, nor miss
//! one it has.

use std::sync::LazyLock;

use utoipa::openapi::{self, RefOr, Response};
use utoipa::{Modify, OpenApi};

use super::protocol::ErrorReply;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "tvmux server",
        description = "Recordings of tmux windows, and tmux itself, over HTTP/1.1 + JSON on an owner-only Unix socket."
    ),
    components(schemas(ErrorReply))
)]
struct Base;

/// The document's frame (title, error schema), before the routes add their paths.
pub fn base() -> openapi::OpenApi {
    Base::openapi()
}

/// The whole document, built once from the routes.
pub fn document() -> &'static openapi::OpenApi {
    static DOC: LazyLock<openapi::OpenApi> = LazyLock::new(|| {
        let (_, mut doc) = super::api::routes().split_for_parts();
        Errors.modify(&mut doc);
        doc
    });
    &DOC
}

/// Every operation can fail the same way: an [`ErrorReply`] with a 4xx
/// status (400 a bad value, 404 no such target or recording, 422 a body
/// that does not parse, the field named) or a 5xx (502: tmux failed).
struct Errors;

impl Modify for Errors {
    fn modify(&self, doc: &mut openapi::OpenApi) {
        let error: RefOr<Response> = openapi::ResponseBuilder::new()
            .description("An error: 400 a bad value, 404 no such target or recording, 422 a body that does not parse (the field named), 502 tmux failed (its message)")
            .content(
                "application/json",
                openapi::ContentBuilder::new()
                    .schema(Some(openapi::Ref::from_schema_name("ErrorReply")))
                    .build(),
            )
            .build()
            .into();
        for item in doc.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in operations.into_iter().flatten() {
                op.responses
                    .responses
                    .entry("default".into())
                    .or_insert_with(|| error.clone());
            }
        }
    }
}
