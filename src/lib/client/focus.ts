/**
 * Before a row of a list goes away (a member removed, a team unlinked): the keyboard moves to the
 * next row's button, else the previous row's, else the first button of the dialog around it, so
 * it is not dropped at the top of the page with the row.
 */
export function focusNeighbour(control: HTMLElement): void {
	const row = control.closest('li, tr');
	const sibling = (row?.nextElementSibling ?? row?.previousElementSibling)?.querySelector(
		'button:not([disabled])'
	);
	const fallback = control.closest('dialog')?.querySelector('button:not([disabled])');
	const target = sibling ?? fallback;
	if (target instanceof HTMLElement) target.focus();
}
