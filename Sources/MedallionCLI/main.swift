print("medallion")
