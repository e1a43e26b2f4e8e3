import { z } from 'zod';

/** The body of `POST /api/auth/login`. */
export const loginSchema = z.object(
	{
		email: z
			.string({ error: 'email is required and must be a string' })
			.trim()
			.min(1, 'email is required')
			.max(320, 'email is too long')
			.pipe(z.email('email must be an email address')),
		password: z
			.string({ error: 'password is required and must be a string' })
			.min(1, 'password is required')
			.max(1024, 'password is too long')
	},
	{ error: 'the body must be a JSON object with email and password' }
);

export { normalizeEmail } from './email';
