import { ValidationPipe } from '@nestjs/common';

/**
 * The library validates its own routes whatever the host app configured: unknown fields are
 * refused, query strings are converted to their declared types.
 */
export const agentValidationPipe = new ValidationPipe({
  transform: true,
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
});
