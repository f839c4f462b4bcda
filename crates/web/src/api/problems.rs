//! The answers every operation can give besides its own: they are added to the OpenAPI document
//! here, once, so that no handler can forget one and the document lists every status a client
//! will see (schemathesis checks this in CI).

use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, ResponseBuilder, Schema, header::Header};

/// A shared response: its component name, status and what it means to a client.
struct Common {
    name: &'static str,
    status: &'static str,
    description: &'static str,
    applies: fn(&Shape) -> bool,
}

/// What an operation takes, which decides the problems it can meet before its handler runs.
struct Shape {
    /// Not a GET: every write depends on who you are (a team member, a lead, a role).
    writes: bool,
    has_path_parameters: bool,
    has_query_parameters: bool,
    has_body: bool,
}

const COMMON: [Common; 8] = [
    Common {
        name: "MalformedRequest",
        status: "400",
        description: "The body is not JSON, or a query parameter cannot be read",
        applies: |s| s.has_body || s.has_query_parameters,
    },
    Common {
        name: "Unauthenticated",
        status: "401",
        description: "No valid personal API token was sent (`Authorization: Bearer TOKEN`)",
        applies: |_| true,
    },
    Common {
        name: "Forbidden",
        status: "403",
        description: "Your roles or your place in the team do not allow this; `detail` says who may",
        applies: |s| s.writes,
    },
    Common {
        name: "NotFound",
        status: "404",
        description: "No such resource in your organisation",
        applies: |s| s.has_path_parameters,
    },
    Common {
        name: "TooLarge",
        status: "413",
        description: "The body is larger than the API accepts",
        applies: |s| s.has_body,
    },
    Common {
        name: "UnsupportedMediaType",
        status: "415",
        description: "The body is not sent as `application/json`",
        applies: |s| s.has_body,
    },
    Common {
        name: "Invalid",
        status: "422",
        description: "A value in the body or the query is not valid; see `errors`",
        applies: |s| s.has_body || s.has_query_parameters,
    },
    Common {
        name: "Unavailable",
        status: "503",
        description: "The database cannot be reached; try again after `Retry-After` seconds",
        applies: |_| true,
    },
];

/// Adds the common problem responses to the components and to each operation that can meet them,
/// keeping any description an operation gives itself (a handler's "No such measure" stays).
pub struct CommonProblems;

impl utoipa::Modify for CommonProblems {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for common in &COMMON {
            let mut response = ResponseBuilder::new().description(common.description).content(
                "application/problem+json",
                Content::new(Some(RefOr::<Schema>::Ref(Ref::from_schema_name("Problem")))),
            );
            if common.status == "503" {
                let seconds = ObjectBuilder::new().schema_type(Type::Integer).build();
                response = response.header("Retry-After", Header::new(seconds));
            }
            components.responses.insert(common.name.to_owned(), RefOr::T(response.build()));
        }
        for item in openapi.paths.paths.values_mut() {
            if let Some(get) = item.get.as_mut() {
                add_common(get, false);
            }
            let writes = [item.put.as_mut(), item.post.as_mut(), item.delete.as_mut(), item.patch.as_mut()];
            for operation in writes.into_iter().flatten() {
                add_common(operation, true);
            }
        }
    }
}

fn add_common(operation: &mut Operation, writes: bool) {
    use utoipa::openapi::path::ParameterIn;
    let parameters: Vec<&ParameterIn> = operation
        .parameters
        .iter()
        .flatten()
        .filter_map(|p| match p {
            RefOr::T(p) => Some(&p.parameter_in),
            RefOr::Ref(_) => None,
        })
        .collect();
    let shape = Shape {
        writes,
        has_path_parameters: parameters.iter().any(|p| matches!(p, ParameterIn::Path)),
        has_query_parameters: parameters.iter().any(|p| matches!(p, ParameterIn::Query)),
        has_body: operation.request_body.is_some(),
    };
    for common in COMMON.iter().filter(|c| (c.applies)(&shape)) {
        operation
            .responses
            .responses
            .entry(common.status.to_owned())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name(common.name)));
    }
}
