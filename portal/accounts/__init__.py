"""Customer accounts for the portal: sign-in, access codes and password reset."""
