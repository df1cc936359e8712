//! `/Users` and `/Groups`: each handler builds the call context, runs one
//! use case and maps its answer.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use roster_app::App;
use roster_app::scim::{ScimAnswer, ScimCall, ScimFailure};
use roster_scim::schema::{GROUP_RESOURCE, USER_RESOURCE};

use super::extract::{ScimBody, ScimClient, ScimContext};
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

pub(super) async fn list_users(
    State(app): State<App>,
    client: ScimClient,
    context: ScimContext,
) -> Answer {
    let query = app.scim().list_query(&client.scope, &USER_RESOURCE, &context.params)?;
    reply(app.scim().list_users(&call(&client, &context), &query).await)
}

pub(super) async fn search_users(
    State(app): State<App>,
    client: ScimClient,
    context: ScimContext,
    ScimBody(body): ScimBody,
) -> Answer {
    let query = app.scim().search_query(&client.scope, &USER_RESOURCE, &body)?;
    reply(app.scim().list_users(&call(&client, &context), &query).await)
}

pub(super) async fn create_user(
    State(app): State<App>,
    client: ScimClient,
    context: ScimContext,
    ScimBody(body): ScimBody,
) -> Answer {
    reply(app.scim().create_user(&call(&client, &context), &body).await)
}

pub(super) async fn get_user(
    State(app): State<App>,
    client: ScimClient,
    context: ScimContext,
    Path(id): Path<String>,
) -> Answer {
    reply(app.scim().get_user(&call(&client, &context), &id).await)
}

pub(super) async fn replace_user(
    State(app): State<App>,
    client: ScimClient,
    context: ScimContext,
    Path(id): Path<String>,
    ScimBody(body): ScimBody,
) -> Answer {
    reply(app.scim().replace_user(&call(&client, &context), &id, &body).await)
}

pub(super) async fn patch_user(
    State(app): State<App>,
    client: ScimClient,
    context: ScimContext,
    Path(id): Path<String>,
    ScimBody(body): ScimBody,
) -> Answer {
    reply(app.scim().patch_user(&call(&client, &context), &id, &body).await)
}

pub(super) async fn delete_user(
    State(app): State<App>,
    client: ScimClient,
    context: ScimContext,
    Path(id): Path<String>,
) -> Answer {
    reply(app.scim().delete_user(&call(&client, &context), &id).await)
}

pub(super) async fn list_groups(
    State(app): State<App>,
    client: ScimClient,
    context: ScimContext,
) -> Answer {
    let query = app.scim().list_query(&client.scope, &GROUP_RESOURCE, &context.params)?;
    reply(app.scim().list_groups(&call(&client, &context), &query).await)
}

pub(super) async fn search_groups(
    State(app): State<App>,
    client: ScimClient,
    context: ScimContext,
    ScimBody(body): ScimBody,
) -> Answer {
    let query = app.scim().search_query(&client.scope, &GROUP_RESOURCE, &body)?;
    reply(app.scim().list_groups(&call(&client, &context), &query).await)
}

pub(super) async fn create_group(
    State(app): State<App>,
    client: ScimClient,
    context: ScimContext,
    ScimBody(body): ScimBody,
) -> Answer {
    reply(app.scim().create_group(&call(&client, &context), &body).await)
}

pub(super) async fn get_group(
    State(app): State<App>,
    client: ScimClient,
    context: ScimContext,
    Path(id): Path<String>,
) -> Answer {
    reply(app.scim().get_group(&call(&client, &context), &id).await)
}

pub(super) async fn replace_group(
    State(app): State<App>,
    client: ScimClient,
    context: ScimContext,
    Path(id): Path<String>,
    ScimBody(body): ScimBody,
) -> Answer {
    reply(app.scim().replace_group(&call(&client, &context), &id, &body).await)
}

pub(super) async fn patch_group(
    State(app): State<App>,
    client: ScimClient,
    context: ScimContext,
    Path(id): Path<String>,
    ScimBody(body): ScimBody,
) -> Answer {
    reply(app.scim().patch_group(&call(&client, &context), &id, &body).await)
}

pub(super) async fn delete_group(
    State(app): State<App>,
    client: ScimClient,
    context: ScimContext,
    Path(id): Path<String>,
) -> Answer {
    reply(app.scim().delete_group(&call(&client, &context), &id).await)
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
