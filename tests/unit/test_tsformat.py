"""The helpers of agents/tsformat.py that lay out nested TypeScript (a document printed with Prettier's
algorithm): each expected text is what Prettier 3.10 prints (printWidth 120) for the same code written on
one line at the same indentation (checked against Prettier when the tests were written)."""

from autodevos.agents import tsformat as t


def test_call_hugs_a_last_object():
    """The last argument, an object, is broken open after `{` when the line is too long."""
    assert t.call(
        "await send",
        [
            '"patch"',
            "`${base}/${created.id}`",
            t.obj([("attachmentFileNameWrittenByTheUploader", "sample(2).attachmentFileNameWrittenByTheUploader")]),
        ],
        4,
        prefix="const renamed = ",
        suffix=";",
    ) == (
        'const renamed = await send("patch", `${base}/${created.id}`, {\n'
        "      attachmentFileNameWrittenByTheUploader: sample(2).attachmentFileNameWrittenByTheUploader,\n"
        "    });"
    )


def test_call_breaks_out_arguments_that_cannot_be_hugged():
    """A call as the only argument is not hugged: it goes to its own line and breaks there if it must."""
    assert t.call(
        "conditions.push",
        [
            t.call(
                "inArray",
                [
                    "orderItemAttachmentReviewsTable.id",
                    t.call("linkedToRelatedSupportEscalationNotes", ["query.relatedSupportEscalationNotes"]),
                ],
            )
        ],
        6,
        suffix=";",
    ) == (
        "conditions.push(\n"
        "        inArray(\n"
        "          orderItemAttachmentReviewsTable.id,\n"
        "          linkedToRelatedSupportEscalationNotes(query.relatedSupportEscalationNotes),\n"
        "        ),\n"
        "      );"
    )


def test_call_breaks_type_arguments_before_arguments():
    """Type arguments break first when the line up to `(` does not fit."""
    assert t.call(
        "resource",
        ['"/api/records"'],
        2,
        prefix="const regionalWarehouseInventoryAdjustmentRecords = ",
        suffix=";",
        types=["RegionalWarehouseInventoryAdjustmentRecord", "RegionalWarehouseInventoryAdjustmentRecordInput"],
    ) == (
        "const regionalWarehouseInventoryAdjustmentRecords = resource<\n"
        "    RegionalWarehouseInventoryAdjustmentRecord,\n"
        "    RegionalWarehouseInventoryAdjustmentRecordInput\n"
        '  >("/api/records");'
    )


def test_arrow_with_a_call_body_hugged_as_last_argument():
    """`waitFor(() =>` stays, the body goes to the next line, `);` to its own."""
    assert t.call(
        "await waitFor",
        [
            t.arrow(
                "()",
                t.expect(
                    t.members(
                        "find",
                        [
                            t.call(".getByLabelText", ['"Owning customer account reference"']),
                            t.call(".querySelector", ["'option[value=\"1\"]'"]),
                        ],
                    ),
                    ".not.toBeNull",
                ),
            )
        ],
        4,
        suffix=";",
    ) == (
        "await waitFor(() =>\n"
        "      expect(\n"
        '        find.getByLabelText("Owning customer account reference").querySelector(\'option[value="1"]\'),\n'
        "      ).not.toBeNull(),\n"
        "    );"
    )


def test_arrow_with_an_object_body_keeps_it_after_the_arrow():
    """An object body stays after `=> (` and breaks open."""
    assert t.call(
        "[...new Set(ids)].map",
        [
            t.arrow(
                "(relatedsupportescalationnoteId)", t.obj(["inventoryAdjustmentRecordId: id", "relatedsupportescalationnoteId"])
            )
        ],
        4,
        prefix="const links = ",
        suffix=";",
    ) == (
        "const links = [...new Set(ids)].map((relatedsupportescalationnoteId) => ({\n"
        "      inventoryAdjustmentRecordId: id,\n"
        "      relatedsupportescalationnoteId,\n"
        "    }));"
    )


def test_expect_breaks_its_subject_when_the_matcher_does_not_fit():
    """The line up to `.toBeInTheDocument(` is too long: `expect(`'s argument goes to its own line."""
    assert t.expect(
        t.call(
            "await screen.findByRole", ['"heading"', t.obj(["level: 2", ("name", '"OrderItemAttachment attachmentFileName 2"')])]
        ),
        ".toBeInTheDocument",
        [],
        4,
        suffix=";",
    ) == (
        "expect(\n"
        '      await screen.findByRole("heading", { level: 2, name: "OrderItemAttachment attachmentFileName 2" }),\n'
        "    ).toBeInTheDocument();"
    )


def test_expect_breaks_the_matcher_arguments_when_the_subject_fits():
    """`expect(subject).toHaveAttribute(` fits: only the matcher's arguments break."""
    assert t.expect(
        t.call("screen.getByRole", ['"link"', t.obj([("name", '"All order item attachments"')])]),
        ".toHaveAttribute",
        ['"href"', '"/order-item-attachments"'],
        4,
        suffix=";",
    ) == (
        'expect(screen.getByRole("link", { name: "All order item attachments" })).toHaveAttribute(\n'
        '      "href",\n'
        '      "/order-item-attachments",\n'
        "    );"
    )


def test_members_one_link_a_line_when_the_chain_is_too_long():
    """A chain of more than two groups that does not fit: one link a line under the head."""
    assert t.members(
        "db",
        [
            ".select()",
            t.call(".from", ["tasksRelatedLabelsTable"]),
            t.call(".where", [t.call("inArray", ["tasksRelatedLabelsTable.taskId", "ids"])]),
            t.call(".orderBy", ["tasksRelatedLabelsTable.labelId"]),
            ".all()",
        ],
        4,
        prefix="const rows = ",
        suffix=";",
    ) == (
        "const rows = db\n"
        "      .select()\n"
        "      .from(tasksRelatedLabelsTable)\n"
        "      .where(inArray(tasksRelatedLabelsTable.taskId, ids))\n"
        "      .orderBy(tasksRelatedLabelsTable.labelId)\n"
        "      .all();"
    )


def test_members_merges_a_short_head_with_its_first_call():
    """`db.delete(t)` stays together when a statement starts with a name of two letters."""
    assert t.members(
        "db",
        [
            t.call(".delete", ["insuranceBrokeragesInternalToolForClaimsRefTable"]),
            t.call(".where", [t.call("eq", ["insuranceBrokeragesInternalToolForClaimsRefTable.insuranceBrokerageId", "id"])]),
            ".run()",
        ],
        4,
        suffix=";",
        statement=True,
    ) == (
        "db.delete(insuranceBrokeragesInternalToolForClaimsRefTable)\n"
        "      .where(eq(insuranceBrokeragesInternalToolForClaimsRefTable.insuranceBrokerageId, id))\n"
        "      .run();"
    )


def test_members_stays_on_one_line_when_it_fits():
    """A chain that fits is left on one line."""
    assert t.members(
        "db",
        [
            t.call(".select", [t.obj([("id", "tasksLabelsTable.taskId")])]),
            t.call(".from", ["tasksLabelsTable"]),
            t.call(".where", [t.call("eq", ["tasksLabelsTable.labelId", "id"])]),
        ],
        4,
        prefix="return ",
        suffix=";",
    ) == ("return db.select({ id: tasksLabelsTable.taskId }).from(tasksLabelsTable).where(eq(tasksLabelsTable.labelId, id));")


def test_clause_moves_its_body_to_the_next_line():
    """`for (...) body;` too long: the body on the next line, where its last array argument is hugged."""
    assert t.clause(
        "for (const link of rows)",
        t.call(
            "out.set",
            [
                "link.insuranceBrokerageId",
                t.arr(["...(out.get(link.insuranceBrokerageId) ?? [])", "link.internaltoolforclaimsrefId"]),
            ],
        ),
        4,
    ) == (
        "for (const link of rows)\n"
        "      out.set(link.insuranceBrokerageId, [\n"
        "        ...(out.get(link.insuranceBrokerageId) ?? []),\n"
        "        link.internaltoolforclaimsrefId,\n"
        "      ]);"
    )


def test_assign_breaks_after_the_operator_for_a_binary_value():
    """`const total =` then the value; `?.total` moves to the next line when `?.total ??` does not fit."""
    assert t.assign(
        "const total",
        t.binary(
            t.member(
                t.members(
                    "db",
                    [
                        t.call(".select", [t.obj(["total: count()"])]),
                        t.call(".from", ["regionalWarehouseInventoryAdjustmentRecordsTable"]),
                        ".where(condition)",
                        ".get()",
                    ],
                ),
                "?.total",
            ),
            "??",
            "0",
        ),
        6,
    ) == (
        "const total =\n"
        "        db.select({ total: count() }).from(regionalWarehouseInventoryAdjustmentRecordsTable).where(condition).get()\n"
        "          ?.total ?? 0;"
    )


def test_ternary_branches_break_under_the_test():
    """A conditional too long for its line: `? yes` and `: no` on lines of their own."""
    assert t.prop(
        "followUpDeadlineForTheResponsibleTeamLead",
        t.ternary(
            'f.followUpDeadlineForTheResponsibleTeamLead === ""',
            "undefined",
            t.call("fromLocalDateTime", ["f.followUpDeadlineForTheResponsibleTeamLead"]),
        ),
        4,
    ) == (
        "followUpDeadlineForTheResponsibleTeamLead:\n"
        '      f.followUpDeadlineForTheResponsibleTeamLead === ""\n'
        "        ? undefined\n"
        "        : fromLocalDateTime(f.followUpDeadlineForTheResponsibleTeamLead),"
    )


def test_prop_moves_a_plain_value_to_the_next_line():
    """A name or a string after a long key goes to the next line."""
    assert t.prop(
        "adjustmentReasonDescriptionProvidedByStaff",
        "regionalWarehouseInventoryAdjustmentRecordsTable.adjustmentReasonDescriptionProvidedByStaff",
        2,
    ) == (
        "adjustmentReasonDescriptionProvidedByStaff:\n"
        "    regionalWarehouseInventoryAdjustmentRecordsTable.adjustmentReasonDescriptionProvidedByStaff,"
    )


def test_prop_keeps_a_call_after_the_key():
    """A call stays after the key and breaks its arguments."""
    assert t.prop(
        "numberOfSealedPalletsOpenedDuringTheCustomsInspectionVisit",
        t.call("String", ["r.numberOfSealedPalletsOpenedDuringTheCustomsInspectionVisit"]),
        4,
    ) == (
        "numberOfSealedPalletsOpenedDuringTheCustomsInspectionVisit: String(\n"
        "      r.numberOfSealedPalletsOpenedDuringTheCustomsInspectionVisit,\n"
        "    ),"
    )


def test_prop_never_moves_the_value_of_a_short_key():
    """After a key shorter than 5 characters the value stays."""
    assert t.prop(
        "api", '"freight-forwarding-agency-contact-person-responsible-for-cargoes-emailaddressofthefreightforwardingagency"', 4
    ) == ('api: "freight-forwarding-agency-contact-person-responsible-for-cargoes-emailaddressofthefreightforwardingagency",')


def test_generic_breaks_its_type_arguments():
    """`ReturnType<` ... `>` when the alias is too long."""
    assert t.generic(
        "ReturnType",
        ["typeof regionalWarehouseInventoryAdjustmentRecordController"],
        0,
        prefix="export type RegionalWarehouseInventoryAdjustmentRecordController = ",
        suffix=";",
    ) == (
        "export type RegionalWarehouseInventoryAdjustmentRecordController = ReturnType<\n"
        "  typeof regionalWarehouseInventoryAdjustmentRecordController\n"
        ">;"
    )


def test_signature_breaks_parameters_one_a_line():
    """A method head too long: one parameter a line, `): Type {` on its own line."""
    assert t.signature(
        "replace",
        ["id: number", "input: RegionalWarehouseInventoryAdjustmentRecordInput"],
        ": RegionalWarehouseInventoryAdjustmentRecord | undefined {",
        4,
    ) == (
        "replace(\n"
        "      id: number,\n"
        "      input: RegionalWarehouseInventoryAdjustmentRecordInput,\n"
        "    ): RegionalWarehouseInventoryAdjustmentRecord | undefined {"
    )


def test_signature_hugs_a_lone_destructured_parameter():
    """`function F({` then one name a line, `}: Props) {`."""
    assert t.signature(
        "function RegionalWarehouseInventoryAdjustmentRecordForm",
        [[t.obj(["record", "options", "onSaved"]), ": RegionalWarehouseInventoryAdjustmentRecordFormProps"]],
        " {",
    ) == (
        "function RegionalWarehouseInventoryAdjustmentRecordForm({\n"
        "  record,\n"
        "  options,\n"
        "  onSaved,\n"
        "}: RegionalWarehouseInventoryAdjustmentRecordFormProps) {"
    )


def test_if_all_puts_one_condition_a_line():
    """`if (` then one condition a line, `) {` on its own line."""
    assert t.if_all(
        [
            "input.uniqueExternalReferenceNumberFromTheErpSystem !== undefined",
            t.call(
                "repo.taken",
                ['"uniqueExternalReferenceNumberFromTheErpSystem"', "input.uniqueExternalReferenceNumberFromTheErpSystem", "id"],
            ),
        ],
        4,
    ) == (
        "if (\n"
        "      input.uniqueExternalReferenceNumberFromTheErpSystem !== undefined &&\n"
        "      repo.taken(\n"
        '        "uniqueExternalReferenceNumberFromTheErpSystem",\n'
        "        input.uniqueExternalReferenceNumberFromTheErpSystem,\n"
        "        id,\n"
        "      )\n"
        "    ) {"
    )


def test_awaited_parenthesizes_the_awaited_call():
    """`(await post(...)).id` too long: the awaited call on its own line between the parentheses."""
    assert t.assign(
        "const customerSupportTicketEscalationNoteId",
        t.member(
            t.awaited(
                t.call("post", ['"/api/customer-support-ticket-escalation-notes"', "customerSupportTicketEscalationNote", "as"])
            ),
            ".id",
        ),
        2,
    ) == (
        "const customerSupportTicketEscalationNoteId = (\n"
        '    await post("/api/customer-support-ticket-escalation-notes", customerSupportTicketEscalationNote, as)\n'
        "  ).id;"
    )


def test_jsx_element_puts_its_child_on_a_line_of_its_own():
    """`<p ...>{...}</p>` too long: the child on its own line; still too long: the conditional breaks."""
    assert t.jsx_element(
        "p",
        ['className="text-slate-500"'],
        t.ternary(
            "narrowed",
            '"No regional warehouse inventory adjustment records match."',
            '"No regional warehouse inventory adjustment records yet."',
        ),
        8,
    ) == (
        '<p className="text-slate-500">\n'
        "          {narrowed\n"
        '            ? "No regional warehouse inventory adjustment records match."\n'
        '            : "No regional warehouse inventory adjustment records yet."}\n'
        "        </p>"
    )


def test_jsx_element_with_two_attributes_always_breaks_its_child():
    """Prettier breaks the children of a tag with two attributes even when all would fit."""
    assert t.jsx_element("Link", ['to="/tags"', 'className="underline"'], "tagLabel(row)", 8) == (
        '<Link to="/tags" className="underline">\n          {tagLabel(row)}\n        </Link>'
    )


def test_jsx_tag_with_one_string_attribute_never_breaks():
    """A tag whose only attribute is a string stays on one line."""
    assert t.jsx_tag(
        "span",
        ['className="rounded border border-red-300 bg-red-50 px-3 py-2 text-red-800 sm:col-span-2 md:col-span-3 lg:col-span-4"'],
        8,
        self_closing=True,
    ) == (
        '<span className="rounded border border-red-300 bg-red-50 px-3 py-2 text-red-800 sm:col-span-2 md:col-span-3 lg:col-span-4" />'
    )


def test_jsx_and_wraps_the_element_in_parentheses():
    """`{cond && (`, the element (attributes one a line if needed), `)}`."""
    assert t.jsx_and(
        'may(role, "RegionalWarehouseInventoryAdjustmentRecord", "create")',
        "RegionalWarehouseInventoryAdjustmentRecordForm",
        ["options={options}", "onSaved={reload}"],
        6,
    ) == (
        '{may(role, "RegionalWarehouseInventoryAdjustmentRecord", "create") && (\n'
        "        <RegionalWarehouseInventoryAdjustmentRecordForm options={options} onSaved={reload} />\n"
        "      )}"
    )


def test_jsx_attr_puts_a_long_conditional_between_braces():
    """`aria-label={` newline, the conditional, newline `}`."""
    assert t.jsx_tag(
        "Form",
        [
            t.jsx_attr(
                "aria-label",
                t.ternary(
                    "record",
                    '"Edit regional warehouse inventory adjustment record"',
                    '"New regional warehouse inventory adjustment record"',
                ),
            ),
            'className="grid"',
        ],
        6,
        self_closing=True,
    ) == (
        "<Form\n"
        "        aria-label={\n"
        "          record\n"
        '            ? "Edit regional warehouse inventory adjustment record"\n'
        '            : "New regional warehouse inventory adjustment record"\n'
        "        }\n"
        '        className="grid"\n'
        "      />"
    )


def test_union_goes_to_the_next_line_before_one_member_a_line():
    """A union too long after its key, which fits on the next line, goes there whole."""
    members = ['"shrinkageAndDamage"', '"supplierReturn"', '"quarterlyAuditCorrection"', '"foundDuringStocktaking"']
    assert t.union(members, 2, "adjustmentCategoryAsClassifiedByFinance: ") == (
        "adjustmentCategoryAsClassifiedByFinance:\n"
        '    "shrinkageAndDamage" | "supplierReturn" | "quarterlyAuditCorrection" | "foundDuringStocktaking";'
    )
    assert t.union(members + ['"writtenOffByTheRegionalOperationsManager"'], 2, "adjustmentCategory?: ") == (
        "adjustmentCategory?:\n"
        '    | "shrinkageAndDamage"\n'
        '    | "supplierReturn"\n'
        '    | "quarterlyAuditCorrection"\n'
        '    | "foundDuringStocktaking"\n'
        '    | "writtenOffByTheRegionalOperationsManager";'
    )


def test_import_names_with_a_default_and_a_lone_name():
    """A default import with names breaks like any list of names; a lone name without a default never breaks."""
    assert t.import_names(
        ["RegionalWarehouseInventoryAdjustmentRecordDetail"],
        "./pages/RegionalWarehouseInventoryAdjustmentRecordPage",
        default="RegionalWarehouseInventoryAdjustmentRecordList",
    ) == (
        "import RegionalWarehouseInventoryAdjustmentRecordList, {\n"
        "  RegionalWarehouseInventoryAdjustmentRecordDetail,\n"
        '} from "./pages/RegionalWarehouseInventoryAdjustmentRecordPage";'
    )
    module = "../services/regional-warehouse-inventory-adjustment-records-and-more.js"
    assert t.import_names(["RegionalWarehouseInventoryAdjustmentRecordService"], module, type_only=True) == (
        f'import type {{ RegionalWarehouseInventoryAdjustmentRecordService }} from "{module}";'
    )


def test_entries_move_a_long_value_after_the_colon():
    """A string too long after its key goes to the next line; a template literal and a number stay."""
    pairs = [
        ("adjustmentReasonDescriptionProvidedByStaff", '"RegionalWarehouseInventoryAdjustmentRecord adjustmentReasonDescriptionProvidedByStaff 1"'),
        ("contactEmail", "`customer-support-ticket-escalation-notes-contactemailofthecustomerwhofiledtheticket-${next()}@example.com`"),
        ("quantity", "11"),
    ]
    assert t.entries(pairs, 0) == (
        "{\n"
        "  adjustmentReasonDescriptionProvidedByStaff:\n"
        '    "RegionalWarehouseInventoryAdjustmentRecord adjustmentReasonDescriptionProvidedByStaff 1",\n'
        "  contactEmail: `customer-support-ticket-escalation-notes-contactemailofthecustomerwhofiledtheticket-${next()}@example.com`,\n"
        "  quantity: 11,\n"
        "}"
    )


def test_code_is_the_text_and_keeps_its_document():
    """A helper's result prints as its text; put inside another helper it is laid out again where it lands."""
    inner = t.call("screen.getByRole", ['"link"', t.obj([("name", '"Customer accounts"')])], 4)
    assert isinstance(inner, str) and inner == 'screen.getByRole("link", { name: "Customer accounts" })'
    assert t.layout(inner, 4, prefix="const link = ", suffix=";") == f"const link = {inner};"
    assert t.expect(inner, ".toBeInTheDocument", [], 4, suffix=";") == f"expect({inner}).toBeInTheDocument();"
