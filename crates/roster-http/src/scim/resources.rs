//! `/Users` and `/Groups`: each handler builds the call context, runs one
//! use case and maps its answer.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use roster_app::App;
use roster_app::scim::{ScimAnswer, ScimCall, ScimFailure, ScimResource};

use super::extract::{ResourceId, ScimBody, ScimClient, ScimContext};
use super::{ScimErrorReply, ScimReply};

type Answer = Result<Response, ScimErrorReply>;

fn reply(answer: Result<ScimAnswer, ScimFailure>) -> Answer {
    Ok(ScimReply::from(answer?).into_response())
}

fn call<'a>(client: &'a ScimClient, context: &'a ScimContext) -> ScimCall<'a> {
    ScimCall {
        scope: &client.scope,
        base: &client.base,
        params: &context.params,
        if_match: context.if_match.as_deref(),
        if_none_match: context.if_none_match.as_deref(),
    }
}

/// Which endpoint a handler serves; the routes instantiate each handler
/// once per resource (`list::<Users>`, `list::<Groups>`).
pub(super) trait Endpoint: Send + Sync + 'static {
    const RESOURCE: ScimResource;
}

pub(super) struct Users;
pub(super) struct Groups;

impl Endpoint for Users {
    const RESOURCE: ScimResource = ScimResource::User;
}

impl Endpoint for Groups {
    const RESOURCE: ScimResource = ScimResource::Group;
}

pub(super) async fn list<E: Endpoint>(
    State(app): State<App>,
    client: ScimClient,
    context: ScimContext,
) -> Answer {
    let query = app.scim().list_query(&client.scope, E::RESOURCE, &context.params)?;
    reply(app.scim().list(&call(&client, &context), E::RESOURCE, &query).await)
}

pub(super) async fn search<E: Endpoint>(
    State(app): State<App>,
    client: ScimClient,
    context: ScimContext,
    ScimBody(body): ScimBody,
) -> Answer {
    let query = app.scim().search_query(&client.scope, E::RESOURCE, &body)?;
    reply(app.scim().list(&call(&client, &context), E::RESOURCE, &query).await)
}

pub(super) async fn create<E: Endpoint>(
    State(app): State<App>,
    client: ScimClient,
    context: ScimContext,
    ScimBody(body): ScimBody,
) -> Answer {
    reply(app.scim().create(&call(&client, &context), E::RESOURCE, &body).await)
}

pub(super) async fn get<E: Endpoint>(
    State(app): State<App>,
    client: ScimClient,
    context: ScimContext,
    ResourceId(id): ResourceId,
) -> Answer {
    reply(app.scim().get(&call(&client, &context), E::RESOURCE, &id).await)
}

pub(super) async fn replace<E: Endpoint>(
    State(app): State<App>,
    client: ScimClient,
    context: ScimContext,
    ResourceId(id): ResourceId,
    ScimBody(body): ScimBody,
) -> Answer {
    reply(app.scim().replace(&call(&client, &context), E::RESOURCE, &id, &body).await)
}

pub(super) async fn patch<E: Endpoint>(
    State(app): State<App>,
    client: ScimClient,
    context: ScimContext,
    ResourceId(id): ResourceId,
    ScimBody(body): ScimBody,
) -> Answer {
    reply(app.scim().patch(&call(&client, &context), E::RESOURCE, &id, &body).await)
}

pub(super) async fn delete<E: Endpoint>(
    State(app): State<App>,
    client: ScimClient,
    context: ScimContext,
    ResourceId(id): ResourceId,
) -> Answer {
    reply(app.scim().delete(&call(&client, &context), E::RESOURCE, &id).await)
}

pub(super) async fn bulk(
    State(app): State<App>,
    client: ScimClient,
    context: ScimContext,
    ScimBody(body): ScimBody,
) -> Answer {
    let answer = app.scim().bulk(&call(&client, &context), &body).await?;
    Ok(ScimReply::ok(answer).into_response())
}

pub(super) async fn search_all(
    State(app): State<App>,
    client: ScimClient,
    context: ScimContext,
    ScimBody(body): ScimBody,
) -> Answer {
    let answer = app.scim().search_all(&call(&client, &context), &body).await?;
    Ok(ScimReply::ok(answer).into_response())
}
