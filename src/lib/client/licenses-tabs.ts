/** The Licenses page's tabs, in order, as `?tab=` spells them (the seat meter stays above them). */
export const LICENSES_TABS = [
	{ value: 'people', label: 'People' },
	{ value: 'invites', label: 'Invites' },
	{ value: 'usage', label: 'Usage' }
] as const;

/** One tab of the Licenses page. */
export type LicensesTab = (typeof LICENSES_TABS)[number]['value'];

/** A `?tab=` value as a tab: People when missing or unknown. */
export function parseLicensesTab(value: string | null | undefined): LicensesTab {
	return LICENSES_TABS.find((t) => t.value === value)?.value ?? 'people';
}
