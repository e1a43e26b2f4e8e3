/** Normalises an email for comparison: emails are unique case-insensitively (R3). */
export function normalizeEmail(email: string): string {
	return email.trim().toLowerCase();
}
