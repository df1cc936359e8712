//! A filtered `replace` that matches nothing, retried as an `add`
//! ([`Tolerance::EntraReplaceMissAdds`]).
//!
//! Entra ID updates `emails[type eq "work"].value` with `replace` whether
//! or not the user has a work e-mail, and expects the e-mail to be added
//! when there is none. RFC 7644 §3.5.2.3 answers that with 400 `noTarget`,
//! and the strict engine does. The service is expected to do what Entra
//! means, so the use case, on `noTarget`, asks [`replace_misses_as_adds`]
//! for an equivalent request and applies that instead.
//!
//! Only the path shape `attr[sub eq LITERAL]` and `attr[sub eq
//! LITERAL].sub2` is converted, where `sub` is a bare sub-attribute name
//! and `LITERAL` a string, number or boolean: that filter says exactly which
//! value the new element must have for it to be selected, so the add
//! creates the value the replace would have targeted. Any other filter
//! (`ne`, `co`, `and`, ...) describes no single value and stays `noTarget`.

use serde_json::{Map, Value};

use super::{Normalized, Tolerance};
use crate::schema::ResourceType;
use crate::{
    AttrPath, CompValue, CompareOp, Filter, PatchOperation, PatchPath, PatchRequest, ScimType,
    apply,
};

/// The `add` equivalent to a filtered `replace` whose filter matches no
/// value, or `None` when `operation` is not of the convertible shape (see
/// the module documentation), its value is `null`, or the value
/// contradicts the filter.
///
/// - `replace` `attr[sub eq L].sub2` with value `V` (`sub2` ≠ `sub`)
///   becomes `add` `attr` with `[{sub: L, sub2: V}]`;
/// - `replace` `attr[sub eq L]` with an object `V` becomes `add` `attr`
///   with `[V + {sub: L}]`; if `V` already gives `sub` (any letter case),
///   it must equal `L`.
///
/// The path keeps the URN and letter case the client wrote. Whether the
/// replace really matched nothing is the caller's question (see
/// [`replace_misses_as_adds`]): applied to a value that exists, the `add`
/// would merge into it rather than replace it.
pub fn replace_as_add(operation: &PatchOperation) -> Option<PatchOperation> {
    let PatchOperation::Replace { path: Some(PatchPath::Value { attr, filter, sub: sub2 }), value } =
        operation
    else {
        return None;
    };
    let Filter::Compare { path: AttrPath { urn: None, name: sub, sub: None }, op, value: literal } =
        filter
    else {
        return None;
    };
    if *op != CompareOp::Eq || value.is_null() {
        return None;
    }
    let literal = match literal {
        CompValue::String(text) => Value::String(text.clone()),
        CompValue::Number(number) => Value::Number(number.clone()),
        CompValue::Bool(boolean) => Value::Bool(*boolean),
        CompValue::Null => return None,
    };
    let element = match sub2 {
        Some(sub2) => {
            if sub2.eq_ignore_ascii_case(sub) {
                return None;
            }
            let mut element = Map::new();
            element.insert(sub.clone(), literal);
            element.insert(sub2.clone(), value.clone());
            element
        }
        None => {
            let mut element = value.as_object()?.clone();
            match element.iter().find(|(key, _)| key.eq_ignore_ascii_case(sub)) {
                Some((_, given)) if *given != literal => return None,
                Some(_) => {}
                None => {
                    element.insert(sub.clone(), literal);
                }
            }
            element
        }
    };
    let whole = AttrPath { urn: attr.urn.clone(), name: attr.name.clone(), sub: None };
    Some(PatchOperation::Add {
        path: Some(PatchPath::Attr(whole)),
        value: Value::Array(vec![Value::Object(element)]),
    })
}

/// `request` with each filtered `replace` that would answer `noTarget`
/// replaced by its [`replace_as_add`], for the use case to apply when the
/// strict [`apply`] of `request` to `resource` answered `noTarget`; `None`
/// when no operation is converted (the `noTarget` then stands).
///
/// `resource` is the stored resource, as given to [`apply`]. Operations are
/// examined in order, each against the result of the operations before it
/// (already converted), so a `replace` that an earlier `add` in the same
/// request gives a target is left alone. An operation is converted only if
/// applying it alone to that state answers `noTarget`. If the operations
/// before one fail, examination stops there: the retry will report that
/// failure. The cost is one [`apply`] per operation before each candidate,
/// which is small for the few operations a PATCH carries.
pub fn replace_misses_as_adds(
    rt: &ResourceType,
    resource: &Value,
    request: &PatchRequest,
) -> Option<Normalized<PatchRequest>> {
    let mut operations = request.operations.clone();
    let mut converted = false;
    for i in 0..operations.len() {
        let Some(add) = replace_as_add(&operations[i]) else { continue };
        let before = if i == 0 {
            resource.clone()
        } else {
            let prefix = PatchRequest { operations: operations[..i].to_vec() };
            match apply(rt, resource, &prefix) {
                Ok(outcome) => outcome.resource,
                Err(_) => break,
            }
        };
        let alone = PatchRequest { operations: vec![operations[i].clone()] };
        if let Err(error) = apply(rt, &before, &alone)
            && error.scim_type == Some(ScimType::NoTarget)
        {
            operations[i] = add;
            converted = true;
        }
    }
    converted.then(|| Normalized {
        value: PatchRequest { operations },
        applied: vec![Tolerance::EntraReplaceMissAdds],
    })
}
