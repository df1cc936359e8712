//! Reading a parsed document by namespace and local name, strictly: text
//! is read only from elements whose children are all text, so a comment or
//! an element inside a value is refused rather than silently skipped.

use uppsala::{Document, NodeId, NodeKind};

use crate::SamlError;

pub(crate) const PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
pub(crate) const ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
pub(crate) const METADATA: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
pub(crate) const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
pub(crate) const XMLENC: &str = "http://www.w3.org/2001/04/xmlenc#";
pub(crate) const XMLENC11: &str = "http://www.w3.org/2009/xmlenc11#";

/// Whether `node` is the element `{namespace}local`.
pub(crate) fn is(doc: &Document<'_>, node: NodeId, namespace: &str, local: &str) -> bool {
    doc.element(node).is_some_and(|element| element.matches_name_ns(namespace, local))
}

/// The element's name as `prefix:local` (or `local`), for messages.
pub(crate) fn name_of(doc: &Document<'_>, node: NodeId) -> String {
    doc.element(node)
        .map_or_else(|| "a non-element".to_owned(), |e| e.name.prefixed_name().into_owned())
}

/// The first child element `{namespace}local`.
pub(crate) fn child(
    doc: &Document<'_>,
    node: NodeId,
    namespace: &str,
    local: &str,
) -> Option<NodeId> {
    doc.first_child_element_by_name_ns(node, namespace, local)
}

/// Every child element `{namespace}local`.
pub(crate) fn children(
    doc: &Document<'_>,
    node: NodeId,
    namespace: &str,
    local: &str,
) -> Vec<NodeId> {
    doc.child_elements_by_name_ns(node, namespace, local)
}

/// The child elements of `node`, in order (text, comments and processing
/// instructions left out).
pub(crate) fn elements(doc: &Document<'_>, node: NodeId) -> Vec<NodeId> {
    doc.children(node).into_iter().filter(|&child| doc.element(child).is_some()).collect()
}

/// Every element below `node` (itself included) named `{namespace}local`.
pub(crate) fn descendants(
    doc: &Document<'_>,
    node: NodeId,
    namespace: &str,
    local: &str,
) -> Vec<NodeId> {
    std::iter::once(node)
        .chain(doc.descendants(node))
        .filter(|&n| is(doc, n, namespace, local))
        .collect()
}

/// An attribute without a namespace.
pub(crate) fn attr<'d>(doc: &'d Document<'_>, node: NodeId, name: &str) -> Option<&'d str> {
    doc.element(node)?
        .attributes
        .iter()
        .find(|a| a.name.namespace_uri.is_none() && *a.name.local_name == *name)
        .map(|a| &*a.value)
}

/// The text of an element whose children are all text (or CDATA), joined.
/// Anything else inside (a comment, an element, a processing instruction)
/// is refused: a value is read whole or not at all.
pub(crate) fn text(doc: &Document<'_>, node: NodeId) -> Result<String, SamlError> {
    let mut out = String::new();
    for child in doc.children(node) {
        match doc.node_kind(child) {
            Some(NodeKind::Text(text) | NodeKind::CData(text)) => out.push_str(text),
            _ => {
                return Err(SamlError::Malformed(format!(
                    "{} must hold only text",
                    name_of(doc, node)
                )));
            }
        }
    }
    Ok(out)
}

/// Every element that carries an identifier attribute, refusing a
/// document where two carry the same: signature references resolve by
/// identifier, and a duplicate is how a wrapped copy hides.
pub(crate) fn refuse_duplicate_ids(doc: &Document<'_>) -> Result<(), SamlError> {
    let mut seen = std::collections::HashSet::new();
    for node in doc.descendants(doc.root()) {
        let Some(element) = doc.element(node) else { continue };
        for attribute in &element.attributes {
            let name = &*attribute.name.local_name;
            if (name == "ID" || name == "Id" || name == "id")
                && !seen.insert(attribute.value.to_string())
            {
                return Err(SamlError::DuplicateId(crate::input::truncate(&attribute.value)));
            }
        }
    }
    Ok(())
}
