def main(): print("earl")
def verify_main(): print("verify")
