/** From this many members, deleting a team or an organization asks the admin to type its name. */
export const TYPE_NAME_FROM_MEMBERS = 100;

/** Whether deleting something with this many members asks for its name to be typed. */
export function asksForName(members: number): boolean {
	return members >= TYPE_NAME_FROM_MEMBERS;
}
