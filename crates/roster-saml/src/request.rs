//! What the SP sends: an AuthnRequest over the HTTP-Redirect binding
//! (SAML bindings §3.4: raw DEFLATE, base64, URL-encoded, with the relay
//! state beside it), and the SP's own metadata document. Every value placed
//! in XML is escaped.

use std::fmt::Write as _;

use base64::Engine;
use jiff::Timestamp;

use crate::redirect::{Message, redirect_url};
use crate::sp_key::RequestSigner;
use crate::xml::{ASSERTION, DSIG, METADATA, PROTOCOL};

/// The NameID formats the SP accepts.
pub const NAME_ID_EMAIL: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
pub const NAME_ID_UNSPECIFIED: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";

const POST_BINDING: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
const REDIRECT_BINDING: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";

/// An authentication request to an IdP.
#[derive(Debug, Clone)]
pub struct AuthnRequest<'a> {
    /// A fresh identifier the caller generated and keeps as outstanding
    /// (an XML ID: it must start with a letter or `_`).
    pub id: &'a str,
    pub issue_instant: Timestamp,
    /// The IdP's single sign-on URL.
    pub destination: &'a str,
    /// Where the IdP posts its response.
    pub acs_url: &'a str,
    pub sp_entity_id: &'a str,
    /// The NameID format asked for, if any.
    pub name_id_format: Option<&'a str>,
}

impl AuthnRequest<'_> {
    pub fn to_xml(&self) -> String {
        let mut xml = format!(
            "<samlp:AuthnRequest xmlns:samlp=\"{PROTOCOL}\" xmlns:saml=\"{ASSERTION}\" ID=\"{}\" \
             Version=\"2.0\" IssueInstant=\"{}\" Destination=\"{}\" \
             AssertionConsumerServiceURL=\"{}\" ProtocolBinding=\"{POST_BINDING}\">\
             <saml:Issuer>{}</saml:Issuer>",
            escape(self.id),
            self.issue_instant.strftime("%Y-%m-%dT%H:%M:%SZ"),
            escape(self.destination),
            escape(self.acs_url),
            escape(self.sp_entity_id),
        );
        if let Some(format) = self.name_id_format {
            let _ = write!(
                xml,
                "<samlp:NameIDPolicy Format=\"{}\" AllowCreate=\"true\"/>",
                escape(format)
            );
        }
        xml.push_str("</samlp:AuthnRequest>");
        xml
    }

    /// The URL that carries the request to the IdP (HTTP-Redirect
    /// binding), signed when a signer is given.
    pub fn redirect_url(
        &self,
        relay_state: Option<&str>,
        signer: Option<&RequestSigner>,
    ) -> String {
        redirect_url(self.destination, Message::Request(&self.to_xml()), relay_state, signer)
    }
}

/// The SP's metadata: one SP for every site, whose entity id is the
/// metadata URL.
#[derive(Debug, Clone)]
pub struct SpMetadata<'a> {
    pub entity_id: &'a str,
    /// ACS URLs (HTTP-POST); the first is the default.
    pub acs_urls: &'a [&'a str],
    pub slo_url: Option<&'a str>,
    /// Certificates (DER) the SP signs requests with.
    pub signing_certificates: &'a [Vec<u8>],
    /// Certificates (DER) IdPs may encrypt assertions to.
    pub encryption_certificates: &'a [Vec<u8>],
    pub name_id_formats: &'a [&'a str],
    pub signs_requests: bool,
}

impl SpMetadata<'_> {
    pub fn to_xml(&self) -> String {
        let mut xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<md:EntityDescriptor xmlns:md=\"{METADATA}\" \
             xmlns:ds=\"{DSIG}\" entityID=\"{}\"><md:SPSSODescriptor \
             protocolSupportEnumeration=\"{PROTOCOL}\" AuthnRequestsSigned=\"{}\" \
             WantAssertionsSigned=\"true\">",
            escape(self.entity_id),
            self.signs_requests,
        );
        let key = |xml: &mut String, usage: &str, der: &[u8]| {
            let _ = write!(
                xml,
                "<md:KeyDescriptor use=\"{usage}\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}\
                 </ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>",
                base64::engine::general_purpose::STANDARD.encode(der)
            );
        };
        for der in self.signing_certificates {
            key(&mut xml, "signing", der);
        }
        for der in self.encryption_certificates {
            key(&mut xml, "encryption", der);
        }
        if let Some(slo) = self.slo_url {
            let _ = write!(
                xml,
                "<md:SingleLogoutService Binding=\"{REDIRECT_BINDING}\" Location=\"{}\"/>",
                escape(slo)
            );
        }
        for format in self.name_id_formats {
            let _ = write!(xml, "<md:NameIDFormat>{}</md:NameIDFormat>", escape(format));
        }
        for (index, acs) in self.acs_urls.iter().enumerate() {
            let _ = write!(
                xml,
                "<md:AssertionConsumerService Binding=\"{POST_BINDING}\" Location=\"{}\" \
                 index=\"{index}\" isDefault=\"{}\"/>",
                escape(acs),
                index == 0
            );
        }
        xml.push_str("</md:SPSSODescriptor></md:EntityDescriptor>\n");
        xml
    }
}

/// Text made safe for XML content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::decode_redirect;
    use crate::redirect::parameter;
    use crate::xml;

    fn request() -> AuthnRequest<'static> {
        AuthnRequest {
            id: "_a1b2",
            issue_instant: "2026-12-01T12:00:00Z".parse().unwrap(),
            destination: "https://idp.example.test/sso?tenant=1",
            acs_url: "https://roster.example.test/saml/consume",
            sp_entity_id: "https://roster.example.test/saml/metadata",
            name_id_format: Some(NAME_ID_EMAIL),
        }
    }

    #[test]
    fn a_redirect_carries_the_request_and_the_relay_state() {
        let url = request().redirect_url(Some("site=acme&x=1"), None);
        assert!(url.starts_with("https://idp.example.test/sso?tenant=1&SAMLRequest="), "{url}");
        assert_eq!(parameter(&url, "RelayState").as_deref(), Some("site=acme&x=1"));
        let xml = decode_redirect(&parameter(&url, "SAMLRequest").unwrap()).unwrap();
        let doc = uppsala::parse(&xml).unwrap();
        let root = doc.document_element().unwrap();
        assert!(xml::is(&doc, root, PROTOCOL, "AuthnRequest"));
        assert_eq!(xml::attr(&doc, root, "ID"), Some("_a1b2"));
        assert_eq!(
            xml::attr(&doc, root, "AssertionConsumerServiceURL"),
            Some("https://roster.example.test/saml/consume")
        );
        assert_eq!(
            xml::attr(&doc, root, "Destination"),
            Some("https://idp.example.test/sso?tenant=1")
        );
        assert_eq!(xml::attr(&doc, root, "IssueInstant"), Some("2026-12-01T12:00:00Z"));
        let issuer = xml::child(&doc, root, ASSERTION, "Issuer").unwrap();
        assert_eq!(xml::text(&doc, issuer).unwrap(), "https://roster.example.test/saml/metadata");
    }

    #[test]
    fn values_are_escaped() {
        let hostile = AuthnRequest { sp_entity_id: "a\"><evil x=\"&", ..request() };
        let xml = hostile.to_xml();
        let doc = uppsala::parse(&xml).unwrap();
        let root = doc.document_element().unwrap();
        let issuer = xml::child(&doc, root, ASSERTION, "Issuer").unwrap();
        assert_eq!(xml::text(&doc, issuer).unwrap(), "a\"><evil x=\"&");
        let elements = doc.descendants(root).into_iter().filter(|&n| doc.element(n).is_some());
        assert_eq!(elements.count(), 2, "only Issuer and NameIDPolicy: {xml}");
    }

    #[test]
    fn sp_metadata_is_metadata() {
        let der = vec![vec![1u8, 2, 3]];
        let metadata = SpMetadata {
            entity_id: "https://roster.example.test/saml/metadata",
            acs_urls: &[
                "https://roster.example.test/saml/consume",
                "https://roster.example.test/saml/consume/p1",
            ],
            slo_url: Some("https://roster.example.test/saml/logout"),
            signing_certificates: &der,
            encryption_certificates: &der,
            name_id_formats: &[NAME_ID_EMAIL, NAME_ID_UNSPECIFIED],
            signs_requests: true,
        }
        .to_xml();
        let doc = uppsala::parse(&metadata).unwrap();
        let root = doc.document_element().unwrap();
        assert_eq!(
            xml::attr(&doc, root, "entityID"),
            Some("https://roster.example.test/saml/metadata")
        );
        let sp = xml::child(&doc, root, METADATA, "SPSSODescriptor").unwrap();
        let acs = xml::children(&doc, sp, METADATA, "AssertionConsumerService");
        assert_eq!(acs.len(), 2);
        assert_eq!(xml::attr(&doc, acs[0], "isDefault"), Some("true"));
        assert_eq!(xml::children(&doc, sp, METADATA, "KeyDescriptor").len(), 2);
        assert_eq!(xml::children(&doc, sp, METADATA, "NameIDFormat").len(), 2);
        let slo = xml::children(&doc, sp, METADATA, "SingleLogoutService");
        assert_eq!(slo.len(), 1);
        assert_eq!(xml::attr(&doc, slo[0], "Binding"), Some(REDIRECT_BINDING));
        assert_eq!(
            xml::attr(&doc, slo[0], "Location"),
            Some("https://roster.example.test/saml/logout")
        );
        // The schema's order: keys, logout, NameID formats, then the ACSs.
        let order: Vec<String> = xml::elements(&doc, sp)
            .into_iter()
            .map(|node| xml::name_of(&doc, node).trim_start_matches("md:").to_owned())
            .collect();
        assert_eq!(
            order,
            [
                "KeyDescriptor",
                "KeyDescriptor",
                "SingleLogoutService",
                "NameIDFormat",
                "NameIDFormat",
                "AssertionConsumerService",
                "AssertionConsumerService"
            ]
        );
    }

    #[test]
    fn sp_metadata_without_a_logout_url_lists_none() {
        let metadata = SpMetadata {
            entity_id: "https://roster.example.test/saml/metadata",
            acs_urls: &["https://roster.example.test/saml/consume"],
            slo_url: None,
            signing_certificates: &[],
            encryption_certificates: &[],
            name_id_formats: &[NAME_ID_EMAIL],
            signs_requests: false,
        }
        .to_xml();
        assert!(!metadata.contains("SingleLogoutService"), "{metadata}");
    }
}
