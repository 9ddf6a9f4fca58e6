/* SPDX-License-Identifier: MIT */
/* lazy_xml.h - libxml2's writer as the core calls it: loaded when first
 * used (lazy.c), by JUnit output and the run's report, not when dfota
 * starts. Include this, never <libxml/xmlwriter.h>. */
#ifndef DFOTA_LIB_BASE_LAZY_XML_H
#define DFOTA_LIB_BASE_LAZY_XML_H

#include <libxml/xmlwriter.h>

/* Each function below loads and starts libxml2 on first use; when it
 * cannot be, the writer cannot be made (NULL) and every call fails:
 * dfota_need_xml() says why. */
#define xmlFreeTextWriter dfota_xmlFreeTextWriter
#define xmlNewTextWriter dfota_xmlNewTextWriter
#define xmlOutputBufferCreateFile dfota_xmlOutputBufferCreateFile
#define xmlTextWriterEndAttribute dfota_xmlTextWriterEndAttribute
#define xmlTextWriterEndDocument dfota_xmlTextWriterEndDocument
#define xmlTextWriterEndElement dfota_xmlTextWriterEndElement
#define xmlTextWriterFlush dfota_xmlTextWriterFlush
#define xmlTextWriterSetIndent dfota_xmlTextWriterSetIndent
#define xmlTextWriterStartAttribute dfota_xmlTextWriterStartAttribute
#define xmlTextWriterStartDocument dfota_xmlTextWriterStartDocument
#define xmlTextWriterStartElement dfota_xmlTextWriterStartElement
#define xmlTextWriterWriteAttribute dfota_xmlTextWriterWriteAttribute
#define xmlTextWriterWriteString dfota_xmlTextWriterWriteString

void dfota_xmlFreeTextWriter(xmlTextWriterPtr w);
xmlTextWriterPtr dfota_xmlNewTextWriter(xmlOutputBufferPtr out);
xmlOutputBufferPtr dfota_xmlOutputBufferCreateFile(FILE *f, xmlCharEncodingHandlerPtr enc);
int dfota_xmlTextWriterEndAttribute(xmlTextWriterPtr w);
int dfota_xmlTextWriterEndDocument(xmlTextWriterPtr w);
int dfota_xmlTextWriterEndElement(xmlTextWriterPtr w);
int dfota_xmlTextWriterFlush(xmlTextWriterPtr w);
int dfota_xmlTextWriterSetIndent(xmlTextWriterPtr w, int indent);
int dfota_xmlTextWriterStartAttribute(xmlTextWriterPtr w, const xmlChar *name);
int dfota_xmlTextWriterStartDocument(xmlTextWriterPtr w, const char *version, const char *encoding,
                                     const char *standalone);
int dfota_xmlTextWriterStartElement(xmlTextWriterPtr w, const xmlChar *name);
int dfota_xmlTextWriterWriteAttribute(xmlTextWriterPtr w, const xmlChar *name,
                                      const xmlChar *content);
int dfota_xmlTextWriterWriteString(xmlTextWriterPtr w, const xmlChar *content);

#endif
