import { z } from 'zod';

/** The body of `POST /api/auth/login`. */
export const loginSchema = z.object({
	email: z
		.string()
		.trim()
		.min(1, 'email is required')
		.max(320)
		.email('email must be an email address'),
	password: z.string().min(1, 'password is required').max(1024)
});

/** Parsed login credentials. */
export type LoginInput = z.infer<typeof loginSchema>;

/** Normalises an email for comparison: emails are unique case-insensitively (R3). */
export function normalizeEmail(email: string): string {
	return email.trim().toLowerCase();
}
